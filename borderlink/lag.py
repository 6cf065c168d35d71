"""Consumer-group lag: how far a group's committed offsets are behind the topics' ends.

Zero lag for the worker and the sink groups means everything published so far has gone
through the pipeline: the demo waits on this rather than on document counts, which say
nothing when a replay only rewrites what is indexed already.
"""

from confluent_kafka import Consumer, ConsumerGroupTopicPartitions, TopicPartition
from confluent_kafka.admin import AdminClient


def group_lag(admin: AdminClient, consumer: Consumer, group: str) -> int | None:
    """Records the group has not committed yet, over every partition it has offsets for;
    None while it has committed nothing (it has not started, or is joining)."""
    request = [ConsumerGroupTopicPartitions(group)]
    committed = admin.list_consumer_group_offsets(request)[group].result().topic_partitions
    if not committed:
        return None
    lag = 0
    for tp in committed:
        high = consumer.get_watermark_offsets(TopicPartition(tp.topic, tp.partition), timeout=10)[1]
        lag += high - tp.offset if tp.offset >= 0 else high
    return lag
