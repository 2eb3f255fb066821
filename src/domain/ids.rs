//! Typed ids, so that a comment's id cannot be passed where an account's is
//! meant. Clients see ids as opaque strings; inside they are positive numbers.

/// A positive id of one kind of record.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            pub const fn new(raw: i64) -> $name {
                $name(raw)
            }

            pub const fn get(self) -> i64 {
                self.0
            }

            /// An id from a path or a body: a positive number, or none.
            pub fn parse(raw: &str) -> Option<$name> {
                raw.parse::<i64>().ok().filter(|id| *id > 0).map($name)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// A comment or reply.
    CommentId
);
id_type!(
    /// A reader's or a staff member's account.
    AccountId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_numbers_shown_as_they_are() {
        assert_eq!(CommentId::parse("42"), Some(CommentId::new(42)));
        for bad in ["0", "-1", "", "4x", "9223372036854775808", " 1"] {
            assert_eq!(CommentId::parse(bad), None, "{bad:?}");
        }
        assert_eq!(AccountId::new(7).to_string(), "7");
    }
}
