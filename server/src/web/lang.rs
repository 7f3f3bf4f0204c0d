//! The language of the staff pages, from the query string.

/// The language of the staff pages: Spanish first, English available.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Es,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Lang {
        if s == "en" {
            Lang::En
        } else {
            Lang::Es
        }
    }

    /// The `lang` parameter of a query string, Spanish if absent.
    pub fn from_query(query: Option<&str>) -> Lang {
        query
            .unwrap_or("")
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "lang")
            .map(|(_, v)| Lang::parse(v))
            .unwrap_or_default()
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Es => "es",
            Lang::En => "en",
        }
    }

    /// Picks the text of this language.
    pub fn t(self, es: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Es => es,
            Lang::En => en,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Es => Lang::En,
            Lang::En => Lang::Es,
        }
    }

    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Es => "Español",
            Lang::En => "English",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_comes_from_the_query_and_defaults_to_spanish() {
        assert_eq!(Lang::from_query(None), Lang::Es);
        assert_eq!(Lang::from_query(Some("a=1&lang=en")), Lang::En);
        assert_eq!(Lang::from_query(Some("lang=fr")), Lang::Es);
    }
}
