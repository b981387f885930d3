//! CLDR plural categories for whole numbers in the five interface languages.
//!
//! Counts in the interface are whole numbers, so only the integer rules matter; they are a
//! few lines each, cheaper than the CLDR data a generic crate carries. A browser test checks
//! them against `Intl.PluralRules` for 0..=1000.

use super::Locale;

/// A plural form, as CLDR names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    One,
    Few,
    Many,
    Other,
}

impl Category {
    pub fn name(self) -> &'static str {
        match self {
            Category::One => "one",
            Category::Few => "few",
            Category::Many => "many",
            Category::Other => "other",
        }
    }
}

impl Locale {
    /// The categories a translation must give for this language's whole numbers.
    pub fn plural_categories(self) -> &'static [Category] {
        use Category::*;
        match self {
            Locale::En => &[One, Other],
            // CLDR's French `many` is for millions (1 000 000 de messages): out of our range,
            // `other` covers it.
            Locale::Fr => &[One, Other],
            Locale::Ru | Locale::Pl => &[One, Few, Many],
            Locale::Vi => &[Other],
        }
    }

    /// The category of the whole number `n`.
    pub fn plural(self, n: u64) -> Category {
        let (last, last2) = (n % 10, n % 100);
        let few = (2..=4).contains(&last) && !(12..=14).contains(&last2);
        match self {
            Locale::En => {
                if n == 1 {
                    Category::One
                } else {
                    Category::Other
                }
            }
            Locale::Fr => {
                if n <= 1 {
                    Category::One
                } else {
                    Category::Other
                }
            }
            Locale::Ru => {
                if last == 1 && last2 != 11 {
                    Category::One
                } else if few {
                    Category::Few
                } else {
                    Category::Many
                }
            }
            Locale::Pl => {
                if n == 1 {
                    Category::One
                } else if few {
                    Category::Few
                } else {
                    Category::Many
                }
            }
            Locale::Vi => Category::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Category::*;

    #[test]
    fn russian_counts_one_few_many() {
        let ru = |n| Locale::Ru.plural(n);
        assert_eq!([ru(1), ru(21), ru(101), ru(1001)], [One; 4]);
        assert_eq!([ru(2), ru(3), ru(4), ru(22), ru(34), ru(102)], [Few; 6]);
        assert_eq!(
            [ru(0), ru(5), ru(11), ru(12), ru(14), ru(19), ru(111)],
            [Many; 7]
        );
    }

    #[test]
    fn polish_one_is_only_one() {
        let pl = |n| Locale::Pl.plural(n);
        assert_eq!(pl(1), One);
        assert_eq!([pl(2), pl(4), pl(22), pl(104)], [Few; 4]);
        assert_eq!([pl(0), pl(5), pl(12), pl(21), pl(101), pl(111)], [Many; 6]);
    }

    #[test]
    fn french_zero_is_singular_english_is_not() {
        assert_eq!(Locale::Fr.plural(0), One);
        assert_eq!(Locale::En.plural(0), Other);
        assert_eq!(Locale::Fr.plural(2), Other);
        assert_eq!(Locale::Vi.plural(1), Other);
    }

    #[test]
    fn every_category_a_language_uses_is_required() {
        for locale in Locale::ALL {
            for n in 0..1000 {
                let c = locale.plural(n);
                assert!(
                    locale.plural_categories().contains(&c),
                    "{locale:?} {n} → {c:?}"
                );
            }
        }
    }
}
