"""Static reference data of the sandbox merchant: a German furniture, garden and woodcraft
seller (VAT id DE, OSS-registered) selling through the channels named in product.md.

Rates are the standard | reduced VAT rates per country (bookkeeping.md §3.1). Third
countries carry no rate: those sales are tax-free exports (VatMode 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

MERCHANT_VAT_ID = "DE136695976"

# Payment types beyond the official C# enum (which ends at 138). Billbee lists ids up to 150
# whose names no public source confirms: these names are the sandbox's own. 143 is left out on
# purpose, so that an id Billbee's list lacks is seen too ("unknown payment type 143"); the
# generated data uses it rarely.
NEWER_PAYMENT_TYPES: dict[int, str] = {
    139: "Bizum",
    140: "Twint",
    141: "Satispay",
    142: "RevolutPay",
    144: "Unzer_Lastschrift",
    145: "MollieTwint",
    146: "MollieBizum",
    147: "Unzer_Rechnung",
    148: "Temu",
    149: "Shein",
    150: "TikTokShop",
}
UNLISTED_PAYMENT_TYPE = 143


@dataclass(frozen=True, slots=True)
class Shop:
    shop_id: int
    platform: str | None
    name: str | None
    account_type: int
    weight: float
    # (country, share) of the destinations this channel ships to
    destinations: tuple[tuple[str, float], ...]
    # (payment type id, share)
    payments: tuple[tuple[int, float], ...]
    b2b_share: float = 0.0
    fba_share: float = 0.0  # orders shipped from a foreign (PL/CZ) warehouse


# BillbeeShopId values have Billbee's 10^14 offset (billbee-api.md §1.6).
SHOPS: tuple[Shop, ...] = (
    Shop(
        100000000092372,
        "Shopify",
        "Möbel Verkauf 24",
        40,
        16,
        (
            ("DE", 70),
            ("AT", 9),
            ("NL", 3),
            ("FR", 3),
            ("BE", 2),
            ("IT", 2),
            ("LU", 1),
            ("CH", 5),
            ("GB", 2),
            ("US", 1),
            ("DK", 1),
            ("PL", 1),
        ),
        ((3, 35), (63, 20), (98, 15), (59, 10), (31, 10), (1, 10)),
        b2b_share=0.06,
    ),
    Shop(
        100000000092377,
        "Shopify",
        "Gartenwelt Outlet",
        40,
        8,
        (("DE", 80), ("AT", 10), ("NL", 4), ("CH", 4), ("FR", 2)),
        ((3, 40), (63, 25), (98, 20), (59, 15)),
        b2b_share=0.03,
    ),
    Shop(
        100000000104511,
        "Amazon",
        "Amazon EU",
        1,
        24,
        (
            ("DE", 62),
            ("FR", 8),
            ("IT", 7),
            ("ES", 6),
            ("NL", 5),
            ("AT", 4),
            ("PL", 3),
            ("BE", 2),
            ("SE", 2),
            ("CZ", 1),
        ),
        ((61, 100),),
        b2b_share=0.04,
        fba_share=0.25,
    ),
    Shop(
        100000000104517,
        "eBay",
        "ebay Möbel-Shop",
        3,
        11,
        (("DE", 88), ("AT", 6), ("FR", 2), ("CH", 2), ("GB", 2)),
        ((104, 80), (3, 20)),
    ),
    Shop(
        100000000113020,
        "WooCommerce",
        "Holzkunst Shop",
        12,
        7,
        (("DE", 80), ("AT", 10), ("CH", 5), ("NL", 5)),
        ((3, 30), (23, 20), (26, 20), (59, 20), (2, 10)),
        b2b_share=0.05,
    ),
    Shop(
        100000000118211,
        "Kaufland",
        "Kaufland.de",
        55,
        6,
        (("DE", 88), ("AT", 5), ("SK", 4), ("CZ", 3)),
        ((136, 100),),
    ),
    Shop(
        100000000120404,
        "Etsy",
        "HolzkunstDesign",
        9,
        5,
        (
            ("DE", 40),
            ("US", 15),
            ("GB", 10),
            ("FR", 8),
            ("NL", 7),
            ("IT", 6),
            ("ES", 5),
            ("CH", 5),
            ("NO", 4),
        ),
        ((97, 100),),
    ),
    Shop(100000000121877, "Otto", "OTTO Market", 57, 5, (("DE", 100),), ((119, 100),)),
    Shop(
        100000000097210,
        "Magento",
        "B2B Portal",
        13,
        3,
        (("DE", 55), ("AT", 12), ("NL", 10), ("FR", 8), ("BE", 5), ("IT", 5), ("CH", 5)),
        ((26, 60), (1, 25), (59, 15)),
        b2b_share=0.85,
    ),
    Shop(
        100000000133555,
        "Shopware",
        "Shopware Fachhandel",
        33,
        7,
        (("DE", 75), ("AT", 12), ("CH", 5), ("LU", 2), ("BE", 3), ("FR", 3)),
        ((3, 30), (1, 20), (59, 15), (98, 20), (26, 15)),
        b2b_share=0.1,
    ),
)

# Manual orders (typed into Billbee, no shop): Seller has null Platform/ShopName/ShopId.
MANUAL = Shop(
    0,
    None,
    None,
    0,
    6,
    (("DE", 85), ("AT", 8), ("CH", 4), ("NL", 3)),
    ((1, 40), (26, 30), (2, 10), (4, 10), (59, 10)),
    b2b_share=0.25,
)

CHANNELS: tuple[Shop, ...] = (*SHOPS, MANUAL)

EU_RATES: dict[str, tuple[Decimal, Decimal]] = {
    "AT": (Decimal(20), Decimal(10)),
    "BE": (Decimal(21), Decimal(6)),
    "BG": (Decimal(20), Decimal(9)),
    "CY": (Decimal(19), Decimal(5)),
    "CZ": (Decimal(21), Decimal(12)),
    "DE": (Decimal(19), Decimal(7)),
    "DK": (Decimal(25), Decimal(25)),
    "EE": (Decimal(24), Decimal(9)),
    "ES": (Decimal(21), Decimal(10)),
    "FI": (Decimal("25.5"), Decimal(10)),
    "FR": (Decimal(20), Decimal("5.5")),
    "GR": (Decimal(24), Decimal(13)),
    "HR": (Decimal(25), Decimal(5)),
    "HU": (Decimal(27), Decimal(5)),
    "IE": (Decimal(23), Decimal("13.5")),
    "IT": (Decimal(22), Decimal(10)),
    "LT": (Decimal(21), Decimal(9)),
    "LU": (Decimal(17), Decimal(8)),
    "LV": (Decimal(21), Decimal(12)),
    "MT": (Decimal(18), Decimal(5)),
    "NL": (Decimal(21), Decimal(9)),
    "PL": (Decimal(23), Decimal(8)),
    "PT": (Decimal(23), Decimal(6)),
    "RO": (Decimal(21), Decimal(11)),
    "SE": (Decimal(25), Decimal(12)),
    "SI": (Decimal(22), Decimal("9.5")),
    "SK": (Decimal(23), Decimal(19)),
}

THIRD_COUNTRY_CURRENCY = {"CH": "CHF", "GB": "GBP", "US": "USD", "NO": "NOK"}

COUNTRY_NAMES = {
    "DE": "Deutschland",
    "AT": "Österreich",
    "NL": "Niederlande",
    "FR": "Frankreich",
    "BE": "Belgien",
    "IT": "Italien",
    "LU": "Luxemburg",
    "CH": "Schweiz",
    "GB": "Vereinigtes Königreich",
    "US": "Vereinigte Staaten",
    "DK": "Dänemark",
    "PL": "Polen",
    "ES": "Spanien",
    "SE": "Schweden",
    "CZ": "Tschechien",
    "SK": "Slowakei",
    "NO": "Norwegen",
}

LANGUAGE = {
    "DE": "de",
    "AT": "de",
    "CH": "de",
    "LU": "de",
    "NL": "nl",
    "BE": "nl",
    "FR": "fr",
    "IT": "it",
    "ES": "es",
    "PL": "pl",
    "CZ": "cs",
    "SK": "sk",
    "SE": "sv",
    "DK": "da",
    "NO": "no",
    "GB": "en",
    "US": "en",
}

FIRST_NAMES = {
    "de": (
        "Anna",
        "Lukas",
        "Sophie",
        "Jürgen",
        "Katrin",
        "Moritz",
        "Lea",
        "Uwe",
        "Jörg",
        "Sabine",
        "Felix",
        "Marie",
        "Björn",
        "Hannah",
        "Günther",
        "Ömer",
    ),
    "nl": ("Daan", "Sanne", "Bram", "Femke", "Jeroen", "Lotte"),
    "fr": ("Camille", "Louis", "Chloé", "Étienne", "Léa", "Hugo"),
    "it": ("Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo"),
    "es": ("Lucía", "Javier", "Carmen", "Álvaro", "Marta"),
    "pl": ("Agnieszka", "Piotr", "Katarzyna", "Łukasz", "Zofia"),
    "cs": ("Jan", "Tereza", "Petr", "Lucie"),
    "sk": ("Martin", "Zuzana", "Peter", "Jana"),
    "sv": ("Erik", "Astrid", "Lars", "Maja"),
    "da": ("Mads", "Freja", "Søren"),
    "no": ("Ole", "Ingrid", "Håkon"),
    "en": ("Oliver", "Emily", "James", "Charlotte", "Jack", "Megan"),
}

LAST_NAMES = {
    "de": (
        "Müller",
        "Schmidt",
        "Schneider",
        "Fischer",
        "Weber",
        "Meyer",
        "Wagner",
        "Becker",
        "Schäfer",
        "Koch",
        "Bauer",
        "Richter",
        "Klein",
        "Wolf",
        "Schröder",
        "Neumann",
        "Zimmermann",
        "Krüger",
        "Hofmann",
        "Lehmann",
    ),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser"),
    "fr": ("Martin", "Bernard", "Dubois", "Lefèvre", "Moreau", "Laurent"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano"),
    "es": ("García", "Fernández", "López", "Martínez", "Sánchez"),
    "pl": ("Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kamińska"),
    "cs": ("Novák", "Svoboda", "Dvořák", "Černá"),
    "sk": ("Horváth", "Kováč", "Varga", "Tóth"),
    "sv": ("Andersson", "Johansson", "Karlsson", "Nilsson"),
    "da": ("Nielsen", "Jensen", "Hansen"),
    "no": ("Hansen", "Johansen", "Olsen"),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "O'Connor"),
}

# (city, zip pattern, street) per country; "#" in a pattern becomes a digit.
PLACES = {
    "DE": (
        ("Berlin", "10###", "Friedrichstraße"),
        ("München", "80###", "Leopoldstraße"),
        ("Hamburg", "20###", "Mönckebergstraße"),
        ("Köln", "50###", "Ehrenstraße"),
        ("Leipzig", "04###", "Karl-Liebknecht-Straße"),
        ("Freiburg", "79###", "Kaiser-Joseph-Straße"),
        ("Münster", "48###", "Prinzipalmarkt"),
        ("Dresden", "01###", "Königsbrücker Straße"),
    ),
    "AT": (
        ("Wien", "1###", "Mariahilfer Straße"),
        ("Graz", "8###", "Herrengasse"),
        ("Salzburg", "5###", "Getreidegasse"),
    ),
    "CH": (
        ("Zürich", "8###", "Bahnhofstrasse"),
        ("Basel", "4###", "Freie Strasse"),
        ("Bern", "3###", "Marktgasse"),
    ),
    "LU": (("Luxembourg", "L-1###", "Grand-Rue"),),
    "NL": (("Amsterdam", "10## AB", "Prinsengracht"), ("Utrecht", "35## CD", "Oudegracht")),
    "BE": (("Antwerpen", "2###", "Meir"), ("Gent", "9###", "Veldstraat")),
    "FR": (
        ("Paris", "750##", "Rue de Rivoli"),
        ("Lyon", "690##", "Rue de la République"),
        ("Strasbourg", "670##", "Grand'Rue"),
    ),
    "IT": (("Milano", "201##", "Via Torino"), ("Roma", "001##", "Via del Corso")),
    "ES": (("Madrid", "280##", "Calle de Alcalá"), ("Barcelona", "080##", "Carrer de Balmes")),
    "PL": (("Warszawa", "00-###", "ulica Marszałkowska"), ("Kraków", "30-###", "ulica Floriańska")),
    "CZ": (("Praha", "110 ##", "Vodičkova"), ("Brno", "602 ##", "Masarykova")),
    "SK": (("Bratislava", "811 ##", "Obchodná"),),
    "SE": (("Stockholm", "111 ##", "Drottninggatan"),),
    "DK": (("København", "1###", "Strøget"),),
    "NO": (("Oslo", "0###", "Karl Johans gate"),),
    "GB": (("London", "SW1A #AA", "Baker Street"), ("Manchester", "M1 #AE", "Deansgate")),
    "US": (("New York", "100##", "Broadway"), ("Portland", "972##", "Hawthorne Blvd")),
}

COMPANY_SUFFIX = {
    "DE": "GmbH",
    "AT": "GmbH",
    "CH": "AG",
    "LU": "S.à r.l.",
    "NL": "B.V.",
    "BE": "BV",
    "FR": "SARL",
    "IT": "S.r.l.",
    "ES": "S.L.",
    "PL": "sp. z o.o.",
    "CZ": "s.r.o.",
    "SK": "s.r.o.",
    "SE": "AB",
    "DK": "ApS",
    "NO": "AS",
    "GB": "Ltd",
    "US": "Inc.",
}
COMPANY_WORDS = (
    "Wohnwerk",
    "Holzhandel",
    "Gartenbau",
    "Interieur",
    "Hotelausstattung",
    "Objekteinrichtung",
    "Büroplan",
    "Naturraum",
)


@dataclass(frozen=True, slots=True)
class Product:
    billbee_id: int
    sku: str
    ean: str
    title: str
    gross_price: Decimal  # German gross price, 19 % or 7 % included
    vat_index: int  # 1 = standard, 2 = reduced
    weight_g: int
    bulky: bool = False


def _ean13(body: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


_PRODUCTS = (
    ("HK-SB-4025", "Schneidebrett Eiche 40x25 cm", "34.90", 1, 1800, False),
    ("HK-SB-6030", "Schneidebrett Nussbaum 60x30 cm", "59.00", 1, 2600, False),
    ("HK-SL-0012", "Servierlöffel Olivenholz, 2er Set", "18.50", 1, 150, False),
    ("HK-KB-0101", "Kinderbesteck Buche mit Gravur", "24.95", 1, 120, False),
    ("MV-CT-WE120", "Couchtisch Wildeiche massiv 120 cm", "449.00", 1, 32000, True),
    ("MV-ST-BU04", "Esszimmerstuhl Buche, 4er Set", "599.00", 1, 28000, True),
    ("MV-RG-KI80", "Wandregal Kiefer 80 cm", "79.90", 1, 6500, False),
    ("MV-BT-AK160", "Baumkantentisch Akazie 160 cm", "1249.00", 1, 54000, True),
    ("MV-NT-EI45", "Nachttisch Eiche geölt", "139.00", 1, 9000, False),
    ("GW-GB-TK150", "Gartenbank Teak 150 cm", "329.00", 1, 21000, True),
    ("GW-HB-LA01", "Hochbeet Lärche 120x60", "189.00", 1, 25000, True),
    ("GW-VH-0033", "Vogelhaus Fichte natur", "29.99", 1, 1400, False),
    ("GW-KO-SAMEN", "Saatgut-Set Kräutergarten (10 Sorten)", "12.90", 2, 90, False),
    ("GW-BL-ERDE40", "Bio-Blumenerde torffrei 40 l", "14.49", 1, 16000, False),
    ("PF-OEL-0500", "Holzpflege-Öl 500 ml", "14.99", 1, 600, False),
    ("PF-WX-0250", "Bienenwachs-Balsam 250 ml", "11.95", 1, 300, False),
    ("BU-GR-0001", "Kochbuch: Grillen mit Holz", "24.95", 2, 850, False),
    ("BU-HW-0002", "Buch: Holzwerken für Einsteiger", "29.90", 2, 900, False),
    ("BU-KA-2026", "Wandkalender Holzkunst 2026", "16.90", 2, 400, False),
    ("LM-KF-1000", "Espresso Bohnen 1 kg, Röstung Holztrommel", "22.90", 2, 1050, False),
    ("LM-HO-0500", "Waldhonig 500 g", "9.80", 2, 700, False),
    ("LM-TE-0100", "Kräutertee-Mischung 100 g", "6.50", 2, 120, False),
    ("DK-KE-0003", "Bienenwachskerzen 3er Set", "19.90", 1, 600, False),
    ("DK-LA-0040", "Tischlampe Nussbaum", "119.00", 1, 2200, False),
    ("DK-BI-3040", "Bilderrahmen Eiche 30x40", "27.50", 1, 900, False),
    ("SP-HO-0001", "Holzpuzzle Weltkarte", "39.00", 1, 1100, False),
    ("SP-BA-0010", "Bauklötze Buche, 60 Teile", "44.90", 1, 2400, False),
    ("GU-GS-0025", "Geschenkgutschein 25 €", "25.00", 0, 0, False),
)

PRODUCTS: tuple[Product, ...] = tuple(
    Product(
        billbee_id=100000058592683 + n * 7919,
        sku=sku,
        ean=_ean13(f"42601234{n:04d}"),
        title=title,
        gross_price=Decimal(price),
        vat_index=vat_index,
        weight_g=weight,
        bulky=bulky,
    )
    for n, (sku, title, price, vat_index, weight, bulky) in enumerate(_PRODUCTS)
)

CARRIERS = (
    # (name, carrier id, provider id, product id, product name, tracking url prefix, weight)
    (
        "DHL",
        2,
        10021,
        30011,
        "DHL Paket",
        "https://www.dhl.de/de/privatkunden/dhl-sendungsverfolgung.html?piececode=",
        55,
    ),
    (
        "Hermes",
        3,
        10022,
        30021,
        "Hermes Päckchen",
        "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#",
        15,
    ),
    ("DPD", 4, 10023, 30031, "DPD Classic", "https://tracking.dpd.de/status/de_DE/parcel/", 12),
    (
        "GLS",
        6,
        10024,
        30041,
        "GLS BusinessParcel",
        "https://gls-group.com/DE/de/paketverfolgung?match=",
        8,
    ),
    ("UPS", 5, 10025, 30051, "UPS Standard", "-", 5),
    ("Amazon Logistics", 18, 10026, 30061, "Amazon Shipping", "-", 5),
)
FREIGHT = ("Spedition Schenker", 0, 10030, 30071, "Stückgut", "-", 0)
