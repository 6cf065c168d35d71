import pytest

from borderlink import topics


def test_inbound_topic_names_follow_agency_ids() -> None:
    assert topics.inbound("gy.ngo-shelter") == "in.gy.ngo-shelter"
    assert topics.dead_letter("validate") == "dlq.validate"


@pytest.mark.parametrize("agency", ["police", "GY.police", "gy.", "gy.police!", "guy.police"])
def test_malformed_agency_ids_are_refused(agency: str) -> None:
    with pytest.raises(ValueError, match=r"is not '<iso-country>\.<code>'"):
        topics.inbound(agency)
