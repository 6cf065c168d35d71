"""Entities: union-find over match links, with an id that does not depend on arrival order."""

import hashlib


class Clusters:
    """Disjoint sets of refs, merged by `union`; path halving and union by size."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}
        self._size: dict[str, int] = {}
        self._smallest: dict[str, str] = {}  # root -> smallest ref of its set

    def add(self, ref: str) -> None:
        if ref not in self._parent:
            self._parent[ref] = ref
            self._size[ref] = 1
            self._smallest[ref] = ref

    def find(self, ref: str) -> str:
        parent = self._parent
        while parent[ref] != ref:
            parent[ref] = parent[parent[ref]]
            ref = parent[ref]
        return ref

    def union(self, a: str, b: str) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return
        if self._size[root_a] < self._size[root_b]:
            root_a, root_b = root_b, root_a
        self._parent[root_b] = root_a
        self._size[root_a] += self._size.pop(root_b)
        self._smallest[root_a] = min(self._smallest[root_a], self._smallest.pop(root_b))

    def entity_id(self, ref: str) -> str:
        """Hash of the smallest ref in the set: the same members give the same id
        whatever order they arrived in. Two entities that merge keep one of their ids."""
        smallest = self._smallest[self.find(ref)]
        return hashlib.sha256(smallest.encode()).hexdigest()[:32]
