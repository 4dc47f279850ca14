"""Progress pages: the overview, agencies and agency pages (views), the overview's filters
and sorting (overview), what pages print of progress (presenters), the Atom feeds (feeds)."""
