import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from plan.models import PlanNode
from plan.numbering import chinese_numeral, node_number
from plan.tree import PlanTree, ancestors, number


def test_tree_is_sound(plan):
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])


def test_shape_of_the_plan(tree):
    kinds = [node.kind for node in tree]
    assert kinds.count("goal") == 1
    assert kinds.count("vision") == 4
    assert kinds.count("strategy") == 28
    assert kinds.count("action") == 13
    assert [len(vision.children) for vision in tree.visions] == [7, 7, 7, 7]
    assert tree.goal.title_zh_hant == "公平城市、社會共好"


def test_document_order_and_numbering(tree):
    assert [v.title_zh_hant for v in tree.visions] == [
        "科技高雄",
        "宜居高雄",
        "幸福高雄",
        "魅力高雄",
    ]
    livable = tree.visions[1]
    mrt = livable.children[5]
    assert mrt.title_zh_hant == "健全大眾運輸捷運路網"
    assert number(livable, "zh-hant") == "二、"
    assert number(mrt, "zh-hant") == "(六)"
    assert number(mrt, "en") == "(6)"
    housing = livable.children[1]
    assert [number(a, "zh-hant") for a in housing.children] == ["1.", "2."]
    assert [a.parent for a in housing.children] == [housing, housing]
    assert ancestors(mrt) == [tree.goal, livable]


def test_previous_and_next_strategy_cross_visions(tree):
    last_of_tech = tree.visions[0].children[-1]
    first_of_livable = tree.visions[1].children[0]
    assert last_of_tech.next is first_of_livable
    assert first_of_livable.previous is last_of_tech
    assert tree.strategies[0].previous is None
    assert tree.strategies[-1].next is None


def test_whole_tree_is_one_query(plan, django_assert_num_queries):
    with django_assert_num_queries(1):
        tree = PlanTree.load(plan)
        assert len(tree) == 46


def test_moving_a_strategy_renumbers_it(plan):
    tree = PlanTree.load(plan)
    mrt = tree.visions[1].children[5]
    first = tree.visions[1].children[0]
    PlanNode.objects.move(
        PlanNode.objects.get(pk=mrt.pk), PlanNode.objects.get(pk=first.pk), "left"
    )
    tree = PlanTree.load(plan)
    moved = tree.get(mrt.ref)
    assert number(moved, "zh-hant") == "(一)"
    assert number(tree.get(first.ref), "zh-hant") == "(二)"
    assert moved.ref == mrt.ref
    assert PlanNode.objects.find_problems() == ([], [], [], [], [])


def test_unpublished_node_hides_its_subtree(plan):
    housing = PlanNode.objects.get(plan=plan, title_zh_hant="增建社宅擴大租金補貼")
    housing.published = False
    housing.save()
    tree = PlanTree.load(plan)
    assert tree.get(housing.ref) is None
    assert len(tree) == 46 - 3
    assert number(tree.visions[1].children[1], "zh-hant") == "(二)"
    assert len(PlanTree.load(plan, include_unpublished=True)) == 46


def test_kind_is_validated_against_depth(tree):
    strategy = PlanNode.objects.get(pk=tree.strategies[0].pk)
    strategy.kind = PlanNode.Kind.VISION
    with pytest.raises(ValidationError) as error:
        strategy.full_clean()
    assert "kind" in error.value.message_dict


def test_refs_are_unique_within_a_plan(tree):
    strategy = PlanNode.objects.get(pk=tree.strategies[0].pk)
    strategy.ref = tree.strategies[1].ref
    with pytest.raises(IntegrityError), transaction.atomic():
        strategy.save()


def test_strategy_needs_a_title(tree):
    strategy = PlanNode.objects.get(pk=tree.strategies[0].pk)
    strategy.title_zh_hant = " "
    with pytest.raises(ValidationError):
        strategy.full_clean()


@pytest.mark.parametrize(
    ("n", "text"), [(1, "一"), (7, "七"), (10, "十"), (11, "十一"), (20, "二十"), (28, "二十八")]
)
def test_chinese_numerals(n, text):
    assert chinese_numeral(n) == text


def test_numbering_shapes():
    assert node_number("vision", 3) == {"zh-hant": "三、", "en": "3."}
    assert node_number("strategy", 12) == {"zh-hant": "(十二)", "en": "(12)"}
    assert node_number("action", 2) == {"zh-hant": "2.", "en": "2."}
    assert node_number("goal", 1) is None


def test_each_vision_has_its_own_colour_even_a_fifth(plan):
    goal = PlanNode.objects.get(plan=plan, kind="goal")
    PlanNode.objects.add_child(
        goal, {"plan": plan, "kind": "vision", "ref": "green", "title_zh_hant": "永續高雄"}
    )
    from portal.published import link

    tree = link(PlanTree.load(plan), "zh-hant")
    assert [vision.hue for vision in tree.visions] == [1, 2, 3, 4, 5]
    assert all(strategy.hue == strategy.parent.hue for strategy in tree.strategies)
