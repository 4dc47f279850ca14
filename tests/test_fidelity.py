"""The loaded plan, turned back into text, is the official document character for character."""

import re

from plan.exchange import plan_data
from plan.source import PAGE_BREAK_SPLITS

from .conftest import ROOT

SOURCE = ROOT / "fixtures" / "source" / "kaohsiung-112-115.zh-hant.txt"
ZH = "zh-hant"


def official_text():
    """The source with only the page-break splits joined (and the outer blank lines trimmed)."""
    text = SOURCE.read_text("utf-8").strip()
    for end, start in PAGE_BREAK_SPLITS:
        joined, count = re.subn(re.escape(end) + r"\n\s*\n" + re.escape(start), end + start, text)
        assert count == 1, f"page break {end}／{start} should occur once"
        text = joined
    # The document puts a space after (一)…(七) in most strategy headings and none in others;
    # the numbering is derived from position, so this one spacing difference is normalized.
    return re.sub(r"^\(([一二三四五六七八九十]+)\)\s*", r"(\1) ", text, flags=re.M)


def rebuild(data):
    """The document as text, in its own layout, from the plan data alone."""
    blocks = [data["title"][ZH]]
    blocks += ["壹、" + data["preamble_heading"][ZH], data["preamble"][ZH]]
    blocks.append("貳、" + data["visions_heading"][ZH])
    for vision in data["tree"]["children"]:
        blocks.append(vision["number"][ZH] + vision["title"][ZH])
        for strategy in vision["children"]:
            blocks.append(f"{strategy['number'][ZH]} {strategy['title'][ZH]}：")
            if strategy["children"]:
                blocks.append(
                    "\n".join(a["number"][ZH] + " " + a["body"][ZH] for a in strategy["children"])
                )
            else:
                blocks.append(strategy["body"][ZH])
    blocks += ["參、" + data["closing_heading"][ZH], data["closing"][ZH]]

    # The architecture chart: row labels print vertically, two characters to a line.
    def row(name):
        label = data["chart"]["rows"][name][ZH]
        return label[:2] + "\n" + label[2:]

    def chart_text(node):
        return (node["chart_label"] or node["title"])[ZH]

    goal = data["tree"]
    blocks += [data["chart"]["title"][ZH], row("goal"), chart_text(goal), row("visions")]
    blocks += [chart_text(vision) for vision in goal["children"]]
    blocks.append(row("strategies"))
    for vision in goal["children"]:
        blocks.append("\n".join("- " + chart_text(strategy) for strategy in vision["children"]))
    return "\n\n".join(blocks)


def test_loaded_plan_rebuilds_the_official_text(plan):
    rebuilt = rebuild(plan_data(plan))
    official = official_text()
    if rebuilt != official:
        # Show the first differing line rather than two 10 KB strings.
        for number, (a, b) in enumerate(
            zip(rebuilt.split("\n"), official.split("\n"), strict=False), 1
        ):
            assert a == b, f"line {number} differs"
    assert rebuilt == official


def test_chart_labels_keep_both_wordings(tree):
    differing = {n.title: n.chart_label for n in tree.strategies if n.chart_label}
    assert differing == {
        "力促傳統產業高值轉型": "力促傳統產業高階轉型",
        "運用科技優化基礎建設": "運用科技優化基礎設施",
        "建構藝文人才友善城市": "構建藝文人才友善城市",
        "營造全齡共融休憩空間": "營造全齡共融休閒空間",
    }


def test_page_break_sentences_are_joined(tree):
    bodies = "".join(node.body_zh_hant for node in tree)
    for end, start in PAGE_BREAK_SPLITS:
        assert end + start in bodies
    assert "\n" not in bodies


def test_source_file_is_the_provenance(plan):
    import hashlib

    assert plan.source_sha256 == hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    assert plan.source_file == "fixtures/source/kaohsiung-112-115.zh-hant.txt"
