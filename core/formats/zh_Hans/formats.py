# Counts grouped in thousands with a comma ("24,681"), as Chinese pages write them; Django's
# Chinese formats leave them ungrouped. Dates keep Django's ("2009年10月16日").
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
