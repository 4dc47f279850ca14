# The progress tables whose writes bump the content version (plan.content); the migration
# that made them installs their triggers, and plan's post_migrate handler keeps them.
CONTENT_TABLES = (
    "progress_agency",
    "progress_agency_editors",
    "progress_responsibility",
    "progress_schedule",
    "progress_progressupdate",
    "progress_indicator",
    "progress_milestone",
    "progress_reportingperiod",
)
