"""Everything that starts infrastructure: the local stack, compose and Kibana assets."""
