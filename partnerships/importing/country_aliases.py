"""Free-text country names → ISO 3166-1 alpha-2 codes, for imports.

The names come from django-countries (the ISO names in English, its common names such as
"Russia" or "South Korea", and the older names it still knows, such as "Czech Republic" or
"Swaziland"), plus two rules and the small alias table below for the strings real data holds.
Nothing is guessed: a string that none of these explain resolves to None, and the importer
reports the row.

How a string is read (case, accents, punctuation and spacing do not matter):

1. The whole string, as an alias below, a country name, or an ISO code written in capitals
   ("DE", "DEU").
2. "Part, Country" (e.g. "England, United Kingdom", "New York, United States"): the part after
   the last comma is the country, except where the part before it is a territory with its own
   ISO code that belongs to that country ("Réunion, France" → RE, "Åland Islands, Finland" → AX),
   as it is for rows that name such a territory alone ("Mayotte", "French Polynesia").

Decisions (see the README, "Importing known twinnings"):
- England, Scotland, Wales and Northern Ireland → GB (ISO 3166-1 has one code for the UK).
- France's overseas departments and other territories with an ISO code of their own keep it
  (Réunion → RE, Guadeloupe → GP, …): ISO 3166-1 lists them separately, and so does the
  country filter.
- Northern Cyprus → CY and the West Bank → PS: ISO 3166-1 counts them within those codes.
- Kosovo → XK, the user-assigned code Wikidata and the EU use, which the settings enable
  (COUNTRIES_OVERRIDE = {"XK": _("Kosovo")}); XK is not part of ISO 3166-1, so a site that
  disables it has a Kosovan city reported, not placed in another country.
"""

import re
import unicodedata

from django.utils import translation
from django_countries import countries

# Written as they appear in data; looked up after normalise(). Each maps to an ISO 3166-1 code.
ALIASES = {
    # The United Kingdom's countries and common names.
    "England": "GB",
    "Scotland": "GB",
    "Wales": "GB",
    "Northern Ireland": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "UK": "GB",
    "U.K.": "GB",
    # Common English names that differ from the ISO ones.
    "United States": "US",
    "USA": "US",
    "U.S.A.": "US",
    "America": "US",
    "Republic of Ireland": "IE",
    "Ivory Coast": "CI",
    "Cape Verde": "CV",
    "East Timor": "TL",
    "Falkland Islands": "FK",
    "Federated States of Micronesia": "FM",
    "Georgia (country)": "GE",
    "Burma": "MM",
    "Vatican": "VA",
    "Holy See (Vatican City State)": "VA",
    "The Netherlands": "NL",
    "Holland": "NL",
    "The Gambia": "GM",
    "The Bahamas": "BS",
    "Turkey": "TR",
    "Czech Republic": "CZ",
    "Republic of Macedonia": "MK",
    "Democratic Republic of Congo": "CD",
    "DR Congo": "CD",
    "Congo-Kinshasa": "CD",
    "Republic of the Congo": "CG",
    "Congo-Brazzaville": "CG",
    "Hong Kong SAR": "HK",
    "Macau": "MO",
    "Macao SAR": "MO",
    "St Kitts and Nevis": "KN",
    "St Lucia": "LC",
    "St Vincent and the Grenadines": "VC",
    # Places without a code of their own, within the code ISO 3166-1 gives them.
    "Northern Cyprus": "CY",
    "Turkish Republic of Northern Cyprus": "CY",
    "West Bank": "PS",
    "Gaza Strip": "PS",
    "Palestinian Territories": "PS",
    # Not ISO 3166-1: enabled in the settings (COUNTRIES_OVERRIDE).
    "Kosovo": "XK",
    "Republic of Kosovo": "XK",
    # Misspellings and other languages' names found in the Hekman/twincities list.
    "Bosnia and Hercegovina": "BA",
    "Grece": "GR",
    "Kazakhstah": "KZ",
    "Madagaskar": "MG",
    "Moldavia": "MD",
    "Surinam": "SR",
    "Island": "IS",  # Iceland in the Nordic languages and German (Norðurþing, Iceland)
    "in Italy": "IT",  # a scraping remnant ("Margreid an der Weinstraße, in Italy")
}

# Territories with an ISO code of their own → the country they belong to (rule 2).
SOVEREIGN = {
    **dict.fromkeys(("RE", "GP", "MQ", "GF", "YT", "NC", "PF", "PM", "WF", "BL", "MF", "TF"), "FR"),
    "AX": "FI",
    **dict.fromkeys(("FO", "GL"), "DK"),
    **dict.fromkeys(("AW", "CW", "SX", "BQ"), "NL"),
    **dict.fromkeys(("PR", "GU", "VI", "AS", "MP", "UM"), "US"),
    **dict.fromkeys(
        ("GI", "BM", "KY", "VG", "AI", "MS", "TC", "FK", "SH", "IO", "PN", "GG", "JE", "IM", "GS"),
        "GB",
    ),
    **dict.fromkeys(("HK", "MO"), "CN"),
    **dict.fromkeys(("CK", "NU", "TK"), "NZ"),
    **dict.fromkeys(("NF", "CX", "CC", "HM"), "AU"),
    **dict.fromkeys(("SJ", "BV"), "NO"),
}

# Why a known name still has no code here (the importer adds this to the row's report).
NOT_ENABLED = {
    "XK": (
        "Kosovo has no ISO 3166-1 code; its user-assigned code XK is not enabled "
        '(COUNTRIES_OVERRIDE = {"XK": "Kosovo"} would enable it)'
    ),
}


def normalise(text):
    """Compare names without case, accents, punctuation or extra spaces: "Côte d'Ivoire" →
    "cote d ivoire"."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    return re.sub(r"[\W_]+", " ", text).strip()


class CountryResolver:
    """Resolves country strings against the countries this site has enabled; remembers answers.

    Build one per import: it reads django-countries' names (and the site's COUNTRIES_* settings)
    once.
    """

    def __init__(self):
        self.names = {}
        with translation.override("en"):
            for code, name in countries:
                self.names.setdefault(normalise(str(name)), code)
            for code, names in countries.shadowed_names.items():
                for name in names:
                    self.names.setdefault(normalise(str(name)), code)
        self.enabled = {code for code, _name in countries}
        self.aliases = {normalise(name): code for name, code in ALIASES.items()}
        self.cache = {}

    def resolve(self, text):
        """The ISO code for `text`, or None if it cannot be told."""
        if text not in self.cache:
            self.cache[text] = self._resolve(text)
        return self.cache[text]

    def explain(self, text):
        """Why `text` did not resolve: an extra sentence for the report, or ""."""
        code = self._lookup(text)
        return NOT_ENABLED.get(code, "") if code and code not in self.enabled else ""

    def _resolve(self, text):
        text = (text or "").strip()
        code = self._known(text)
        if code or "," not in text:
            return code
        head, tail = (part.strip() for part in text.rsplit(",", 1))
        country = self._known(tail)
        territory = self._known(head)
        if territory and country and SOVEREIGN.get(territory) == country:
            return territory
        return country

    def _known(self, text):
        code = self._lookup(text)
        return code if code in self.enabled else None

    def _lookup(self, text):
        """An ISO code (enabled or not) for the whole of `text`, or None."""
        text = text.strip()
        if re.fullmatch(r"[A-Z]{2}", text):
            if text in self.enabled:
                return text
        elif re.fullmatch(r"[A-Z]{3}", text):
            code = countries.alpha2(text)
            if code:
                return code
        key = normalise(text)
        if not key:
            return None
        return self.aliases.get(key) or self.names.get(key)


def resolve_country(text):
    """The ISO 3166-1 alpha-2 code for a free-text country, or None. For a few strings; an
    import should keep one CountryResolver."""
    return CountryResolver().resolve(text)
