# A year alone, as a partial date shows it ("2002年", as "2011年5月" and "2009年10月16日"):
# core.dates.year_format() reads it; Django has no format of its own for it.
YEAR_FORMAT = "Y年"
# Counts grouped in thousands with a comma ("24,681"), as Chinese pages write them; Django's
# Chinese formats leave them ungrouped. Dates keep Django's ("2009年10月16日").
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
