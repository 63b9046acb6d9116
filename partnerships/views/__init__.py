"""The public pages, one module per kind: partnerships (list, page, topics, activities), cities
(list, profile), search, and figures (anniversaries, statistics). Each view builds its queryset
in one place and computes everything the page shows; the templates only lay it out."""

PAGE_SIZE = 20
