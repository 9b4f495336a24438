//! ISO 3166-1 countries: the lake's `country` column holds an alpha-2 code, upper case.
//!
//! Exports name a country in several ways: an alpha-2 code in any case (Action Network's
//! `US`), an alpha-3 code, or an English name (GA4's `geo.country` says "Kenya", "United
//! States", "Côte d’Ivoire", "St. Lucia", "Bosnia & Herzegovina"). [`lookup`] reads all of
//! them through one table of the 249 assigned codes with their ISO short names, common names
//! and the names GA4 and others use. Names are compared folded: case, accents, curly
//! apostrophes, dots, `&`/`and`, `St.`/`Saint` and a leading `The` do not matter.
//!
//! Readings to keep:
//! - Only assigned ISO 3166-1 codes: `XK` (Kosovo, user-assigned), `EU`, `UK` as a code and
//!   other reserved codes are unknown, not guessed (`UK` as a *name* is Great Britain).
//! - `(not set)`, `unknown`, `n/a`, `-`, `ZZ` and blanks mean "the export does not know":
//!   [`Lookup::Unset`], silently null; anything else not in the table is
//!   [`Lookup::Unknown`], null, and the adapter warns once per file with a count.
//! - Never finer than a country: a region, city or address never gets here; a cell such as
//!   "Nairobi, Kenya" is unknown, not cut to its last part.
//!
//! The table was generated from Debian's iso-codes (`iso_3166-1.json`), plus aliases.

use std::collections::HashMap;
use std::sync::OnceLock;

/// (alpha-2, alpha-3, names: the first is the one reports show).
pub static COUNTRIES: &[(&str, &str, &[&str])] = &[
    ("AD", "AND", &["Andorra", "Principality of Andorra"]),
    ("AE", "ARE", &["United Arab Emirates"]),
    ("AF", "AFG", &["Afghanistan", "Islamic Republic of Afghanistan"]),
    ("AG", "ATG", &["Antigua and Barbuda"]),
    ("AI", "AIA", &["Anguilla"]),
    ("AL", "ALB", &["Albania", "Republic of Albania"]),
    ("AM", "ARM", &["Armenia", "Republic of Armenia"]),
    ("AO", "AGO", &["Angola", "Republic of Angola"]),
    ("AQ", "ATA", &["Antarctica"]),
    ("AR", "ARG", &["Argentina", "Argentine Republic"]),
    ("AS", "ASM", &["American Samoa"]),
    ("AT", "AUT", &["Austria", "Republic of Austria"]),
    ("AU", "AUS", &["Australia"]),
    ("AW", "ABW", &["Aruba"]),
    ("AX", "ALA", &["Åland Islands"]),
    ("AZ", "AZE", &["Azerbaijan", "Republic of Azerbaijan"]),
    ("BA", "BIH", &["Bosnia and Herzegovina", "Republic of Bosnia and Herzegovina"]),
    ("BB", "BRB", &["Barbados"]),
    ("BD", "BGD", &["Bangladesh", "People's Republic of Bangladesh"]),
    ("BE", "BEL", &["Belgium", "Kingdom of Belgium"]),
    ("BF", "BFA", &["Burkina Faso"]),
    ("BG", "BGR", &["Bulgaria", "Republic of Bulgaria"]),
    ("BH", "BHR", &["Bahrain", "Kingdom of Bahrain"]),
    ("BI", "BDI", &["Burundi", "Republic of Burundi"]),
    ("BJ", "BEN", &["Benin", "Republic of Benin"]),
    ("BL", "BLM", &["Saint Barthélemy"]),
    ("BM", "BMU", &["Bermuda"]),
    ("BN", "BRN", &["Brunei Darussalam", "Brunei"]),
    ("BO", "BOL", &["Bolivia", "Bolivia, Plurinational State of", "Plurinational State of Bolivia"]),
    ("BQ", "BES", &["Bonaire, Sint Eustatius and Saba", "Caribbean Netherlands"]),
    ("BR", "BRA", &["Brazil", "Federative Republic of Brazil"]),
    ("BS", "BHS", &["Bahamas", "Commonwealth of the Bahamas"]),
    ("BT", "BTN", &["Bhutan", "Kingdom of Bhutan"]),
    ("BV", "BVT", &["Bouvet Island"]),
    ("BW", "BWA", &["Botswana", "Republic of Botswana"]),
    ("BY", "BLR", &["Belarus", "Republic of Belarus"]),
    ("BZ", "BLZ", &["Belize"]),
    ("CA", "CAN", &["Canada"]),
    ("CC", "CCK", &["Cocos (Keeling) Islands"]),
    (
        "CD",
        "COD",
        &[
            "Congo, The Democratic Republic of the",
            "Democratic Republic of the Congo",
            "Congo - Kinshasa",
            "Congo (DRC)",
            "DR Congo",
        ],
    ),
    ("CF", "CAF", &["Central African Republic"]),
    ("CG", "COG", &["Congo", "Republic of the Congo", "Congo - Brazzaville", "Congo (Republic)", "Republic of Congo"]),
    ("CH", "CHE", &["Switzerland", "Swiss Confederation"]),
    ("CI", "CIV", &["Côte d'Ivoire", "Republic of Côte d'Ivoire", "Ivory Coast"]),
    ("CK", "COK", &["Cook Islands"]),
    ("CL", "CHL", &["Chile", "Republic of Chile"]),
    ("CM", "CMR", &["Cameroon", "Republic of Cameroon"]),
    ("CN", "CHN", &["China", "People's Republic of China"]),
    ("CO", "COL", &["Colombia", "Republic of Colombia"]),
    ("CR", "CRI", &["Costa Rica", "Republic of Costa Rica"]),
    ("CU", "CUB", &["Cuba", "Republic of Cuba"]),
    ("CV", "CPV", &["Cabo Verde", "Republic of Cabo Verde", "Cape Verde"]),
    ("CW", "CUW", &["Curaçao"]),
    ("CX", "CXR", &["Christmas Island"]),
    ("CY", "CYP", &["Cyprus", "Republic of Cyprus"]),
    ("CZ", "CZE", &["Czechia", "Czech Republic"]),
    ("DE", "DEU", &["Germany", "Federal Republic of Germany"]),
    ("DJ", "DJI", &["Djibouti", "Republic of Djibouti"]),
    ("DK", "DNK", &["Denmark", "Kingdom of Denmark"]),
    ("DM", "DMA", &["Dominica", "Commonwealth of Dominica"]),
    ("DO", "DOM", &["Dominican Republic"]),
    ("DZ", "DZA", &["Algeria", "People's Democratic Republic of Algeria"]),
    ("EC", "ECU", &["Ecuador", "Republic of Ecuador"]),
    ("EE", "EST", &["Estonia", "Republic of Estonia"]),
    ("EG", "EGY", &["Egypt", "Arab Republic of Egypt"]),
    ("EH", "ESH", &["Western Sahara"]),
    ("ER", "ERI", &["Eritrea", "the State of Eritrea"]),
    ("ES", "ESP", &["Spain", "Kingdom of Spain"]),
    ("ET", "ETH", &["Ethiopia", "Federal Democratic Republic of Ethiopia"]),
    ("FI", "FIN", &["Finland", "Republic of Finland"]),
    ("FJ", "FJI", &["Fiji", "Republic of Fiji"]),
    ("FK", "FLK", &["Falkland Islands (Malvinas)", "Falkland Islands", "Falkland Islands (Islas Malvinas)"]),
    ("FM", "FSM", &["Micronesia, Federated States of", "Federated States of Micronesia", "Micronesia"]),
    ("FO", "FRO", &["Faroe Islands"]),
    ("FR", "FRA", &["France", "French Republic"]),
    ("GA", "GAB", &["Gabon", "Gabonese Republic"]),
    (
        "GB",
        "GBR",
        &["United Kingdom", "United Kingdom of Great Britain and Northern Ireland", "UK", "Great Britain", "Britain"],
    ),
    ("GD", "GRD", &["Grenada"]),
    ("GE", "GEO", &["Georgia"]),
    ("GF", "GUF", &["French Guiana"]),
    ("GG", "GGY", &["Guernsey"]),
    ("GH", "GHA", &["Ghana", "Republic of Ghana"]),
    ("GI", "GIB", &["Gibraltar"]),
    ("GL", "GRL", &["Greenland"]),
    ("GM", "GMB", &["Gambia", "Republic of the Gambia"]),
    ("GN", "GIN", &["Guinea", "Republic of Guinea"]),
    ("GP", "GLP", &["Guadeloupe"]),
    ("GQ", "GNQ", &["Equatorial Guinea", "Republic of Equatorial Guinea"]),
    ("GR", "GRC", &["Greece", "Hellenic Republic"]),
    ("GS", "SGS", &["South Georgia and the South Sandwich Islands", "South Georgia & South Sandwich Islands"]),
    ("GT", "GTM", &["Guatemala", "Republic of Guatemala"]),
    ("GU", "GUM", &["Guam"]),
    ("GW", "GNB", &["Guinea-Bissau", "Republic of Guinea-Bissau"]),
    ("GY", "GUY", &["Guyana", "Republic of Guyana"]),
    ("HK", "HKG", &["Hong Kong", "Hong Kong Special Administrative Region of China", "Hong Kong SAR China"]),
    ("HM", "HMD", &["Heard Island and McDonald Islands"]),
    ("HN", "HND", &["Honduras", "Republic of Honduras"]),
    ("HR", "HRV", &["Croatia", "Republic of Croatia"]),
    ("HT", "HTI", &["Haiti", "Republic of Haiti"]),
    ("HU", "HUN", &["Hungary"]),
    ("ID", "IDN", &["Indonesia", "Republic of Indonesia"]),
    ("IE", "IRL", &["Ireland"]),
    ("IL", "ISR", &["Israel", "State of Israel"]),
    ("IM", "IMN", &["Isle of Man"]),
    ("IN", "IND", &["India", "Republic of India"]),
    ("IO", "IOT", &["British Indian Ocean Territory"]),
    ("IQ", "IRQ", &["Iraq", "Republic of Iraq"]),
    ("IR", "IRN", &["Iran", "Iran, Islamic Republic of", "Islamic Republic of Iran"]),
    ("IS", "ISL", &["Iceland", "Republic of Iceland"]),
    ("IT", "ITA", &["Italy", "Italian Republic"]),
    ("JE", "JEY", &["Jersey"]),
    ("JM", "JAM", &["Jamaica"]),
    ("JO", "JOR", &["Jordan", "Hashemite Kingdom of Jordan"]),
    ("JP", "JPN", &["Japan"]),
    ("KE", "KEN", &["Kenya", "Republic of Kenya"]),
    ("KG", "KGZ", &["Kyrgyzstan", "Kyrgyz Republic"]),
    ("KH", "KHM", &["Cambodia", "Kingdom of Cambodia"]),
    ("KI", "KIR", &["Kiribati", "Republic of Kiribati"]),
    ("KM", "COM", &["Comoros", "Union of the Comoros"]),
    ("KN", "KNA", &["Saint Kitts and Nevis"]),
    (
        "KP",
        "PRK",
        &[
            "North Korea",
            "Korea, Democratic People's Republic of",
            "Democratic People's Republic of Korea",
            "Democratic People's Republic of Korea",
        ],
    ),
    ("KR", "KOR", &["South Korea", "Korea, Republic of", "Republic of Korea"]),
    ("KW", "KWT", &["Kuwait", "State of Kuwait"]),
    ("KY", "CYM", &["Cayman Islands"]),
    ("KZ", "KAZ", &["Kazakhstan", "Republic of Kazakhstan"]),
    ("LA", "LAO", &["Laos", "Lao People's Democratic Republic"]),
    ("LB", "LBN", &["Lebanon", "Lebanese Republic"]),
    ("LC", "LCA", &["Saint Lucia"]),
    ("LI", "LIE", &["Liechtenstein", "Principality of Liechtenstein"]),
    ("LK", "LKA", &["Sri Lanka", "Democratic Socialist Republic of Sri Lanka"]),
    ("LR", "LBR", &["Liberia", "Republic of Liberia"]),
    ("LS", "LSO", &["Lesotho", "Kingdom of Lesotho"]),
    ("LT", "LTU", &["Lithuania", "Republic of Lithuania"]),
    ("LU", "LUX", &["Luxembourg", "Grand Duchy of Luxembourg"]),
    ("LV", "LVA", &["Latvia", "Republic of Latvia"]),
    ("LY", "LBY", &["Libya"]),
    ("MA", "MAR", &["Morocco", "Kingdom of Morocco"]),
    ("MC", "MCO", &["Monaco", "Principality of Monaco"]),
    ("MD", "MDA", &["Moldova", "Moldova, Republic of", "Republic of Moldova"]),
    ("ME", "MNE", &["Montenegro"]),
    ("MF", "MAF", &["Saint Martin (French part)", "Saint Martin"]),
    ("MG", "MDG", &["Madagascar", "Republic of Madagascar"]),
    ("MH", "MHL", &["Marshall Islands", "Republic of the Marshall Islands"]),
    ("MK", "MKD", &["North Macedonia", "Republic of North Macedonia", "Macedonia", "Macedonia (FYROM)"]),
    ("ML", "MLI", &["Mali", "Republic of Mali"]),
    ("MM", "MMR", &["Myanmar", "Republic of Myanmar", "Burma", "Myanmar (Burma)"]),
    ("MN", "MNG", &["Mongolia"]),
    ("MO", "MAC", &["Macao", "Macao Special Administrative Region of China", "Macau", "Macao SAR China"]),
    ("MP", "MNP", &["Northern Mariana Islands", "Commonwealth of the Northern Mariana Islands"]),
    ("MQ", "MTQ", &["Martinique"]),
    ("MR", "MRT", &["Mauritania", "Islamic Republic of Mauritania"]),
    ("MS", "MSR", &["Montserrat"]),
    ("MT", "MLT", &["Malta", "Republic of Malta"]),
    ("MU", "MUS", &["Mauritius", "Republic of Mauritius"]),
    ("MV", "MDV", &["Maldives", "Republic of Maldives"]),
    ("MW", "MWI", &["Malawi", "Republic of Malawi"]),
    ("MX", "MEX", &["Mexico", "United Mexican States"]),
    ("MY", "MYS", &["Malaysia"]),
    ("MZ", "MOZ", &["Mozambique", "Republic of Mozambique"]),
    ("NA", "NAM", &["Namibia", "Republic of Namibia"]),
    ("NC", "NCL", &["New Caledonia"]),
    ("NE", "NER", &["Niger", "Republic of the Niger"]),
    ("NF", "NFK", &["Norfolk Island"]),
    ("NG", "NGA", &["Nigeria", "Federal Republic of Nigeria"]),
    ("NI", "NIC", &["Nicaragua", "Republic of Nicaragua"]),
    ("NL", "NLD", &["Netherlands", "Kingdom of the Netherlands"]),
    ("NO", "NOR", &["Norway", "Kingdom of Norway"]),
    ("NP", "NPL", &["Nepal", "Federal Democratic Republic of Nepal"]),
    ("NR", "NRU", &["Nauru", "Republic of Nauru"]),
    ("NU", "NIU", &["Niue"]),
    ("NZ", "NZL", &["New Zealand"]),
    ("OM", "OMN", &["Oman", "Sultanate of Oman"]),
    ("PA", "PAN", &["Panama", "Republic of Panama"]),
    ("PE", "PER", &["Peru", "Republic of Peru"]),
    ("PF", "PYF", &["French Polynesia"]),
    ("PG", "PNG", &["Papua New Guinea", "Independent State of Papua New Guinea"]),
    ("PH", "PHL", &["Philippines", "Republic of the Philippines"]),
    ("PK", "PAK", &["Pakistan", "Islamic Republic of Pakistan"]),
    ("PL", "POL", &["Poland", "Republic of Poland"]),
    ("PM", "SPM", &["Saint Pierre and Miquelon"]),
    ("PN", "PCN", &["Pitcairn", "Pitcairn Islands"]),
    ("PR", "PRI", &["Puerto Rico"]),
    ("PS", "PSE", &["Palestine, State of", "the State of Palestine", "Palestine", "Palestinian Territories"]),
    ("PT", "PRT", &["Portugal", "Portuguese Republic"]),
    ("PW", "PLW", &["Palau", "Republic of Palau"]),
    ("PY", "PRY", &["Paraguay", "Republic of Paraguay"]),
    ("QA", "QAT", &["Qatar", "State of Qatar"]),
    ("RE", "REU", &["Réunion"]),
    ("RO", "ROU", &["Romania"]),
    ("RS", "SRB", &["Serbia", "Republic of Serbia"]),
    ("RU", "RUS", &["Russian Federation", "Russia"]),
    ("RW", "RWA", &["Rwanda", "Rwandese Republic"]),
    ("SA", "SAU", &["Saudi Arabia", "Kingdom of Saudi Arabia"]),
    ("SB", "SLB", &["Solomon Islands"]),
    ("SC", "SYC", &["Seychelles", "Republic of Seychelles"]),
    ("SD", "SDN", &["Sudan", "Republic of the Sudan"]),
    ("SE", "SWE", &["Sweden", "Kingdom of Sweden"]),
    ("SG", "SGP", &["Singapore", "Republic of Singapore"]),
    ("SH", "SHN", &["Saint Helena, Ascension and Tristan da Cunha"]),
    ("SI", "SVN", &["Slovenia", "Republic of Slovenia"]),
    ("SJ", "SJM", &["Svalbard and Jan Mayen", "Svalbard & Jan Mayen"]),
    ("SK", "SVK", &["Slovakia", "Slovak Republic"]),
    ("SL", "SLE", &["Sierra Leone", "Republic of Sierra Leone"]),
    ("SM", "SMR", &["San Marino", "Republic of San Marino"]),
    ("SN", "SEN", &["Senegal", "Republic of Senegal"]),
    ("SO", "SOM", &["Somalia", "Federal Republic of Somalia"]),
    ("SR", "SUR", &["Suriname", "Republic of Suriname"]),
    ("SS", "SSD", &["South Sudan", "Republic of South Sudan"]),
    ("ST", "STP", &["Sao Tome and Principe", "Democratic Republic of Sao Tome and Principe"]),
    ("SV", "SLV", &["El Salvador", "Republic of El Salvador"]),
    ("SX", "SXM", &["Sint Maarten (Dutch part)", "Sint Maarten"]),
    ("SY", "SYR", &["Syria", "Syrian Arab Republic"]),
    ("SZ", "SWZ", &["Eswatini", "Kingdom of Eswatini", "Swaziland"]),
    ("TC", "TCA", &["Turks and Caicos Islands"]),
    ("TD", "TCD", &["Chad", "Republic of Chad"]),
    ("TF", "ATF", &["French Southern Territories"]),
    ("TG", "TGO", &["Togo", "Togolese Republic"]),
    ("TH", "THA", &["Thailand", "Kingdom of Thailand"]),
    ("TJ", "TJK", &["Tajikistan", "Republic of Tajikistan"]),
    ("TK", "TKL", &["Tokelau"]),
    ("TL", "TLS", &["Timor-Leste", "Democratic Republic of Timor-Leste"]),
    ("TM", "TKM", &["Turkmenistan"]),
    ("TN", "TUN", &["Tunisia", "Republic of Tunisia"]),
    ("TO", "TON", &["Tonga", "Kingdom of Tonga"]),
    ("TR", "TUR", &["Türkiye", "Republic of Türkiye", "Turkey"]),
    ("TT", "TTO", &["Trinidad and Tobago", "Republic of Trinidad and Tobago"]),
    ("TV", "TUV", &["Tuvalu"]),
    ("TW", "TWN", &["Taiwan", "Taiwan, Province of China"]),
    ("TZ", "TZA", &["Tanzania", "Tanzania, United Republic of", "United Republic of Tanzania"]),
    ("UA", "UKR", &["Ukraine"]),
    ("UG", "UGA", &["Uganda", "Republic of Uganda"]),
    ("UM", "UMI", &["United States Minor Outlying Islands", "U.S. Outlying Islands"]),
    ("US", "USA", &["United States", "United States of America"]),
    ("UY", "URY", &["Uruguay", "Eastern Republic of Uruguay"]),
    ("UZ", "UZB", &["Uzbekistan", "Republic of Uzbekistan"]),
    ("VA", "VAT", &["Holy See (Vatican City State)", "Vatican City", "Holy See"]),
    ("VC", "VCT", &["Saint Vincent and the Grenadines"]),
    ("VE", "VEN", &["Venezuela", "Venezuela, Bolivarian Republic of", "Bolivarian Republic of Venezuela"]),
    ("VG", "VGB", &["Virgin Islands, British", "British Virgin Islands"]),
    ("VI", "VIR", &["Virgin Islands, U.S.", "Virgin Islands of the United States", "U.S. Virgin Islands"]),
    ("VN", "VNM", &["Vietnam", "Viet Nam", "Socialist Republic of Viet Nam"]),
    ("VU", "VUT", &["Vanuatu", "Republic of Vanuatu"]),
    ("WF", "WLF", &["Wallis and Futuna"]),
    ("WS", "WSM", &["Samoa", "Independent State of Samoa"]),
    ("YE", "YEM", &["Yemen", "Republic of Yemen"]),
    ("YT", "MYT", &["Mayotte"]),
    ("ZA", "ZAF", &["South Africa", "Republic of South Africa"]),
    ("ZM", "ZMB", &["Zambia", "Republic of Zambia"]),
    ("ZW", "ZWE", &["Zimbabwe", "Republic of Zimbabwe"]),
];

/// What a cell of a country column says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// An ISO 3166-1 alpha-2 code, upper case.
    Known(&'static str),
    /// Blank, or a placeholder the export uses for "not known" (`(not set)`).
    Unset,
    /// Something that is not a country this table knows.
    Unknown,
}

impl Lookup {
    /// The code, if any.
    pub fn code(self) -> Option<&'static str> {
        match self {
            Lookup::Known(c) => Some(c),
            _ => None,
        }
    }
}

/// Reads a cell naming a country (see the module docs).
pub fn lookup(cell: &str) -> Lookup {
    let key = fold(cell);
    if key.is_empty()
        || ["(not set)", "not set", "unknown", "n/a", "na", "-", "zz", "none", "null"].contains(&key.as_str())
    {
        // `NA` is also Namibia's code: a bare `NA` in a country column is far more often
        // "not available"; Namibia's full name or `NAM` still reads.
        return Lookup::Unset;
    }
    match index().get(key.as_str()) {
        Some(code) => Lookup::Known(code),
        None => Lookup::Unknown,
    }
}

/// The name reports show for an alpha-2 code (`KE` → Kenya).
pub fn name(code: &str) -> Option<&'static str> {
    COUNTRIES.iter().find(|(a2, _, _)| *a2 == code).map(|(_, _, names)| names[0])
}

/// Folded key → alpha-2, built once.
fn index() -> &'static HashMap<String, &'static str> {
    static INDEX: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut m = HashMap::new();
        for (a2, a3, names) in COUNTRIES {
            m.insert(a2.to_lowercase(), *a2);
            m.insert(a3.to_lowercase(), *a2);
            for n in *names {
                m.insert(fold(n), *a2);
            }
        }
        m
    })
}

/// The comparison form of a name: lower case, Latin accents removed, curly apostrophes
/// straight, dots dropped, `&` as `and`, `st` as `saint`, no leading `the`, single spaces.
fn fold(s: &str) -> String {
    let mut t = String::with_capacity(s.len());
    for c in s.trim().chars() {
        let c = match c {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ç' | 'Ç' => 'c',
            'ñ' | 'Ñ' => 'n',
            '’' | '‘' | '`' => '\'',
            '.' => continue,
            c => c,
        };
        t.extend(c.to_lowercase());
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        match *w {
            "the" if i == 0 && words.len() > 1 => {}
            "&" => out.push("and"),
            "st" => out.push("saint"),
            w => out.push(w),
        }
    }
    out.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_as_exports_write_them() {
        for (cell, want) in [
            ("KE", "KE"),
            ("ke", "KE"),
            (" Us ", "US"),
            ("KEN", "KE"),
            ("gbr", "GB"),
            ("Kenya", "KE"),
            ("United States", "US"),
            ("United Kingdom", "GB"),
            ("UK", "GB"),
            ("Russia", "RU"),
            ("South Korea", "KR"),
            ("Côte d’Ivoire", "CI"),
            ("Cote d'Ivoire", "CI"),
            ("St. Lucia", "LC"),
            ("Saint Lucia", "LC"),
            ("Bosnia & Herzegovina", "BA"),
            ("Trinidad & Tobago", "TT"),
            ("The Gambia", "GM"),
            ("U.S. Virgin Islands", "VI"),
            ("Türkiye", "TR"),
            ("Turkey", "TR"),
            ("Réunion", "RE"),
            ("Curaçao", "CW"),
            ("Åland Islands", "AX"),
            ("Congo - Kinshasa", "CD"),
            ("Myanmar (Burma)", "MM"),
            ("Namibia", "NA"),
            ("NAM", "NA"),
        ] {
            assert_eq!(lookup(cell), Lookup::Known(want), "{cell}");
        }
    }

    #[test]
    fn placeholders_are_unset_and_the_rest_unknown() {
        for cell in ["", "  ", "(not set)", "Unknown", "n/a", "ZZ"] {
            assert_eq!(lookup(cell), Lookup::Unset, "{cell:?}");
        }
        // Kosovo's XK is user-assigned, EU is no country, a city or a region is finer than
        // a country and is not cut down to one.
        for cell in ["XK", "Kosovo", "EU", "Europe", "Nairobi", "Nairobi, Kenya", "Korea", "K", "KEN1"] {
            assert_eq!(lookup(cell), Lookup::Unknown, "{cell:?}");
        }
    }

    #[test]
    fn the_table_is_whole_and_unambiguous() {
        // 249 assigned codes, each once; no folded name or code names two countries.
        assert_eq!(COUNTRIES.len(), 249);
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (a2, a3, names) in COUNTRIES {
            assert!(a2.len() == 2 && a3.len() == 3 && a2.chars().all(|c| c.is_ascii_uppercase()), "{a2}");
            for k in [a2.to_lowercase(), a3.to_lowercase()].into_iter().chain(names.iter().map(|n| fold(n))) {
                if let Some(other) = seen.insert(k.clone(), a2) {
                    assert_eq!(other, *a2, "{k} names {other} and {a2}");
                }
            }
        }
        assert_eq!(name("KE"), Some("Kenya"));
        assert_eq!(name("BO"), Some("Bolivia"));
        assert_eq!(name("XK"), None);
    }
}
