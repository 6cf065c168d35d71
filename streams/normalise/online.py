"""Online identifiers: e-mail addresses, platform handles and URLs (e.g. recruitment ads)."""

import ipaddress
import re
import unicodedata
from urllib.parse import SplitResult, parse_qs, unquote_plus, urlsplit, urlunsplit

from streams.normalise.errors import NormalisationError
from streams.normalise.text import fold

_LOCAL_PART = re.compile(r"[^\s@\"(),:;<>\[\]\\]{1,64}")
_DOMAIN_LABEL = re.compile("[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# Gmail ignores dots in the local part and delivers user+anything to user, so all
# these spellings reach one mailbox and must give one key; googlemail.com is the
# same service under its older name. Other providers treat dots as significant.
_GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})

# Click identifiers and campaign tags: they say how someone reached a page, never
# which page, so the same ad shared twice must not give two keys.
_TRACKING_PARAMETERS = frozenset({"fbclid", "gclid", "igshid", "msclkid"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_email(raw: str) -> str:
    """Trimmed, lowercase address with an IDNA (ASCII) domain; for Gmail the local
    part loses its dots and "+tag" ("Maria.Perez+ads@GoogleMail.com" ->
    "mariaperez@gmail.com")."""
    text = unicodedata.normalize("NFKC", raw).strip()
    if text.lower().startswith("mailto:"):
        text = text[len("mailto:") :]
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise NormalisationError("e-mail address", raw, "expected local-part@domain")
    if not _LOCAL_PART.fullmatch(local) or local.startswith(".") or local.endswith("."):
        raise NormalisationError("e-mail address", raw, "the part before @ is not valid")
    # Mailbox names are case-sensitive in RFC 5321 but no provider in use treats them so.
    local = local.lower()
    host = _ascii_host("e-mail address", raw, domain)
    if host in _GMAIL_DOMAINS:
        local = local.split("+", 1)[0].replace(".", "")
        host = "gmail.com"
        if not local:
            raise NormalisationError("e-mail address", raw, "nothing before the +tag")
    return f"{local}@{host}"


def _ascii_host(kind: str, raw: str, host: str) -> str:
    """Lowercase ASCII host name (IDNA), or an IP address as written."""
    host = host.strip().rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError as error:
        raise NormalisationError(kind, raw, f"host {host!r} is not a valid domain") from error
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise NormalisationError(kind, raw, f"host {host!r} is not a valid domain")
    return ascii_host


# Per platform: the hosts its profile URLs live on, and what a handle may contain
# once lowercased (each platform's published rules).
_PLATFORMS: dict[str, tuple[frozenset[str], re.Pattern[str]]] = {
    "facebook": (frozenset({"facebook.com", "fb.com"}), re.compile(r"[a-z0-9.]{5,50}|\d{5,20}")),
    "instagram": (frozenset({"instagram.com"}), re.compile(r"[a-z0-9._]{1,30}")),
    "x": (frozenset({"x.com", "twitter.com"}), re.compile(r"[a-z0-9_]{1,15}")),
    "tiktok": (frozenset({"tiktok.com"}), re.compile(r"[a-z0-9._]{2,24}")),
    "telegram": (frozenset({"t.me", "telegram.me"}), re.compile(r"[a-z0-9_]{5,32}")),
    "youtube": (frozenset({"youtube.com"}), re.compile(r"[a-z0-9._-]{3,30}")),
}
_PLATFORM_ALIASES = {"fb": "facebook", "ig": "instagram", "twitter": "x", "tg": "telegram"}
# These identify accounts by phone number: `phones.to_e164` makes their key.
_PHONE_PLATFORMS = frozenset({"whatsapp", "signal", "viber", "imo"})
_GENERIC_HANDLE = re.compile(r"[a-z0-9._-]{1,64}")
_MOBILE_PREFIXES = ("www.", "m.", "mobile.")


def normalise_handle(platform: str, handle: str) -> str:
    """Key of a user name on a platform, e.g. "facebook:maria.perez".

    From ("Facebook", "@Maria.Perez") or from the profile URL
    ("https://www.facebook.com/Maria.Perez"). Handles are case-insensitive on every
    platform listed, so they are lowercased; platforms not listed get the same
    treatment with a permissive character check.
    """
    name = fold(platform).replace(" ", "")
    name = _PLATFORM_ALIASES.get(name, name)
    if not name:
        raise NormalisationError("platform", platform, "empty")
    if name in _PHONE_PLATFORMS:
        raise NormalisationError(
            "handle", handle, f"{platform} identifies users by phone number: use to_e164"
        )
    hosts, pattern = _PLATFORMS.get(name, (frozenset(), _GENERIC_HANDLE))
    text = unicodedata.normalize("NFKC", handle).strip()
    if "/" in text:
        text = _handle_from_url(name, hosts, handle, text)
    cleaned = text.removeprefix("@").lower()
    if not pattern.fullmatch(cleaned):
        raise NormalisationError("handle", handle, f"not a valid {name} user name")
    return f"{name}:{cleaned}"


def _handle_from_url(platform: str, hosts: frozenset[str], raw: str, text: str) -> str:
    parts = _split_url("handle", raw, text)
    host = (parts.hostname or "").lower()
    for prefix in _MOBILE_PREFIXES:
        host = host.removeprefix(prefix)
    if host not in hosts:
        raise NormalisationError("handle", raw, f"not a {platform} profile URL")
    segments = [segment for segment in parts.path.split("/") if segment]
    if platform == "facebook" and segments[:1] == ["profile.php"]:
        # Profiles without a user name are addressed by their numeric id.
        return parse_qs(parts.query).get("id", [""])[0]
    if not segments:
        raise NormalisationError("handle", raw, "the URL names no profile")
    return unquote_plus(segments[0])


def normalise_url(raw: str) -> str:
    """Comparable URL: lowercase scheme and host, no "www.", no default port, no
    fragment, no utm_* or click-id parameters; path and other parameters as written.

    A URL without a scheme ("facebook.com/ads/123") is read as https.
    """
    parts = _split_url("URL", raw, unicodedata.normalize("NFKC", raw).strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise NormalisationError("URL", raw, "only http and https URLs are keyed")
    if not parts.hostname:
        raise NormalisationError("URL", raw, "no host")
    host = _ascii_host("URL", raw, parts.hostname)
    # "www." names the same site; a host that is only "www.<tld>" keeps it.
    while host.startswith("www.") and "." in host[4:]:
        host = host[4:]
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    try:
        port = parts.port
    except ValueError as error:
        raise NormalisationError("URL", raw, "the port is not a number") from error
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if "@" in parts.netloc:
        netloc = f"{parts.netloc.rsplit('@', 1)[0]}@{netloc}"
    query = "&".join(
        parameter for parameter in parts.query.split("&") if parameter and not _tracking(parameter)
    )
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


def _split_url(kind: str, raw: str, text: str) -> SplitResult:
    """Split a URL, reading one without a scheme as https."""
    try:
        return urlsplit(text if "://" in text else f"https://{text}")
    except ValueError as error:  # e.g. an unbalanced '[' of an IPv6 literal
        raise NormalisationError(kind, raw, str(error)) from error


def _tracking(parameter: str) -> bool:
    key = unquote_plus(parameter.split("=", 1)[0]).lower()
    return key.startswith("utm_") or key in _TRACKING_PARAMETERS
