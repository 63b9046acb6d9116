"""Open data: the partnership list and records as CSV, JSON and GeoJSON (exports), Atom and RSS
feeds, iCalendar feeds, and their addresses (export_urls, feed_urls). docs/open-data.md."""
