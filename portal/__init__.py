"""The citizen portal and the project package: settings and URLs, the one accessor for
published plans (published), the pages by subject (pages/), how responses are kept and
served (serving/), template tags (templatetags/)."""
