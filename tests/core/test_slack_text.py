"""Escaping and cutting mrkdwn: a cut never splits an entity or a link."""

from __future__ import annotations

from core.slack_text import cut_mrkdwn, escape_mrkdwn


def test_escaping_turns_links_and_broadcasts_into_text() -> None:
    assert escape_mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_short_text_is_left_alone() -> None:
    assert cut_mrkdwn("a &amp; b", 9) == "a &amp; b"


def test_a_cut_inside_an_entity_leaves_the_entity_out() -> None:
    text = escape_mrkdwn("Tom & Jerry")  # "Tom &amp; Jerry"
    for limit in range(5, 10):  # every cut that lands in "&amp;"
        cut = cut_mrkdwn(text, limit)
        assert cut == "Tom …", (limit, cut)
    assert cut_mrkdwn(text, 11) == "Tom &amp; …"


def test_a_cut_inside_a_link_leaves_the_link_out() -> None:
    text = "see *<https://x.example/a?b=1&c=2|Tom &amp; Jerry>* now"
    for limit in range(7, len(text) - 4):
        cut = cut_mrkdwn(text, limit)
        assert len(cut) <= limit
        assert cut in ("see *…", "see *<https://x.example/a?b=1&c=2|Tom &amp; Jerry>*…"), cut
