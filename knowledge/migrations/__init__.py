# The knowledge tables whose writes bump the content version (plan.content); the migration
# that made them installs their triggers, and plan's post_migrate handler keeps them.
CONTENT_TABLES = (
    "knowledge_term",
    "knowledge_term_related",
    "knowledge_topic",
    "knowledge_topic_nodes",
    "knowledge_goal",
    "knowledge_goal_nodes",
)
