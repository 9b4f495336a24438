//! Supporters: one person per index of a population, the same in every file (a pure
//! function of the seed, the population's name and the index), so a person's tweets, likes,
//! petition signature and CRM history share an actor exactly where a real export would
//! allow it: the Twitter user id links tweets and the likes export, the e-mail links the
//! petition and the CRM (docs/lake.md: actors are keyed hashes of those).

use rand::Rng;

use super::Gen;

const FIRST: &[&str] = &[
    "Amina", "Wanjiru", "Otieno", "Grace", "James", "Sarah", "Liam", "Emma", "Sofia", "Lucas", "Mateo", "Chloé",
    "Hugo", "Lea", "Jonas", "Anna", "Pieter", "Sanne", "Kwame", "Ngozi", "Chidi", "Aisha", "Ravi", "Priya", "Yuki",
    "Kenji", "Olga", "Ivan", "Marta", "João", "Inês", "Carlos", "Lucía", "Fatima", "Omar", "Ingrid", "Lars", "Siobhan",
    "Declan", "Mia", "Noah", "Zanele", "Thabo", "Akinyi", "Mwangi", "Nia", "Tom", "Ruth", "Ben",
];
const LAST: &[&str] = &[
    "Odhiambo", "Kamau", "Njoroge", "Smith", "Jones", "Brown", "Müller", "Schmidt", "Dubois", "Martin", "García",
    "López", "Rossi", "Bianchi", "de Vries", "Jansen", "Okafor", "Adeyemi", "Mensah", "Patel", "Sharma", "Tanaka",
    "Sato", "Ivanova", "Kowalski", "Silva", "Santos", "Haddad", "Nilsson", "Hansen", "O'Brien", "Murphy", "Walsh",
    "Dlamini", "Nkosi", "Achieng", "Wafula", "Taylor", "Evans", "Cohen",
];
const MAIL_DOMAINS: &[&str] =
    &["example.org", "example.com", "example.net", "mail.example.org", "post.example.com", "inbox.example.net"];
/// (language, country code, weight): the mix of a global campaign's supporters.
const LOCALES: &[(&str, &str, u32)] = &[
    ("en", "GB", 26),
    ("en", "US", 14),
    ("en", "KE", 8),
    ("nl", "NL", 10),
    ("de", "DE", 8),
    ("fr", "FR", 7),
    ("es", "ES", 6),
    ("en", "NG", 6),
    ("pt", "BR", 4),
    ("en", "CA", 4),
    ("en", "AU", 3),
    ("it", "IT", 3),
    ("sv", "SE", 1),
];

/// One supporter.
#[derive(Clone, Debug)]
pub struct Person {
    pub first: &'static str,
    pub last: &'static str,
    /// As typed in a form: sometimes with capitals (ingest lower-cases it).
    pub email: String,
    /// Twitter user id (numeric, as the API gives it).
    pub twitter_id: u64,
    pub handle: String,
    pub followers: u64,
    /// Facebook user id (2008-era ids were short numbers).
    pub facebook_id: u64,
    pub lang: &'static str,
    pub country: &'static str,
    pub uuid: String,
}

/// Person `i` of population `pop`.
pub fn person(g: &Gen, pop: &str, i: u64) -> Person {
    let mut r = g.rng_at(pop, i);
    let first = FIRST[r.gen_range(0..FIRST.len())];
    let last = LAST[r.gen_range(0..LAST.len())];
    let ascii = |s: &str| -> String {
        s.chars()
            .filter_map(|c| match c {
                'é' => Some('e'),
                'ü' => Some('u'),
                'ã' | 'á' => Some('a'),
                'í' => Some('i'),
                'ç' => Some('c'),
                c if c.is_ascii_alphanumeric() => Some(c),
                _ => None,
            })
            .collect()
    };
    let (f, l) = (ascii(first), ascii(last));
    let domain = MAIL_DOMAINS[r.gen_range(0..MAIL_DOMAINS.len())];
    let local = if r.gen_bool(0.15) { format!("{f}.{l}{i}") } else { format!("{f}.{l}{i}").to_lowercase() };
    let handle = match r.gen_range(0..3) {
        0 => format!("{f}{l}{}", i % 1000),
        1 => format!("{}_{}{}", f.to_lowercase(), l.to_lowercase(), i),
        _ => format!("{f}_{i}"),
    };
    // Followers: log-normal, median ~180, a few thousand-strong accounts.
    let followers = super::lognormal(&mut r, 180.0, 1.4).round() as u64;
    let locale = super::pick(&mut r, &LOCALES.iter().map(|(l, c, w)| ((*l, *c), *w)).collect::<Vec<_>>()).to_owned();
    let uuid = format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        r.gen::<u32>(),
        r.gen::<u16>(),
        r.gen::<u16>() & 0xfff,
        (r.gen::<u16>() & 0x3fff) | 0x8000,
        r.gen::<u64>() & 0xffff_ffff_ffff
    );
    Person {
        first,
        last,
        email: format!("{local}@{domain}"),
        twitter_id: 100_000_000 + fnv_mix(pop, i),
        handle: handle.chars().take(15).collect(),
        followers,
        facebook_id: 500_000_000 + fnv_mix(&format!("{pop}/facebook"), i),
        lang: locale.0,
        country: locale.1,
        uuid,
    }
}

/// A stable id from a population and index, without collisions: an odd multiplier is a
/// bijection modulo 2^32, and so is adding the population's offset.
fn fnv_mix(pop: &str, i: u64) -> u64 {
    (i.wrapping_mul(2_654_435_761).wrapping_add(super::fnv(pop))) & 0xffff_ffff
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_index_is_the_same_person() {
        let g = Gen { seed: 5, scale: 1 };
        let (a, b) = (person(&g, "shell", 42), person(&g, "shell", 42));
        assert_eq!((a.email, a.twitter_id, a.handle), (b.email, b.twitter_id, b.handle));
        assert_ne!(person(&g, "shell", 43).email, person(&g, "shell", 42).email);
    }

    #[test]
    fn ids_do_not_collide_in_a_population() {
        let g = Gen { seed: 5, scale: 1 };
        let mut ids: Vec<u64> = (0..20_000).map(|i| person(&g, "shell", i).twitter_id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 20_000);
    }
}
