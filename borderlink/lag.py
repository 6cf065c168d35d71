"""Consumer-group lag: how far a group's committed offsets are behind the topics' ends.

Zero lag for the worker and the sink groups means everything published so far has gone
through the pipeline: the demo waits on this rather than on document counts, which say
nothing when a replay only rewrites what is indexed already.
"""

from collections.abc import Iterable

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient


def group_lag(
    admin: AdminClient, consumer: Consumer, group: str, topics: Iterable[str] = ()
) -> int | None:
    """Records the group has not committed yet: over every partition of ``topics`` (a
    partition it never committed counts whole) and of any topic it has committed on.
    None while it has committed nothing (it has not started, or is joining)."""
    request = [ConsumerGroupTopicPartitions(group)]
    committed = admin.list_consumer_group_offsets(request)[group].result().topic_partitions
    if not committed:
        return None
    offsets = {(tp.topic, tp.partition): tp.offset for tp in committed}
    lag = 0
    for topic in {*topics, *(t for t, _ in offsets)}:
        for partition in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
            tp = TopicPartition(topic, partition)
            low, high = consumer.get_watermark_offsets(tp, timeout=10)
            at = offsets.get((topic, partition), -1)
            lag += high - (at if at >= 0 else low)
    return lag
