//! Checks on signing inputs that refuse certain mistakes without ever altering what is signed.

use crate::error::InputError;

/// A component that must be present and carry no surrounding whitespace.
pub(crate) fn text(field: &'static str, value: &str) -> Result<(), InputError> {
    if value.is_empty() {
        return Err(InputError::Empty { field });
    }
    if value.starts_with(char::is_whitespace) || value.ends_with(char::is_whitespace) {
        return Err(InputError::SurroundingWhitespace { field });
    }
    Ok(())
}

/// A component that must not contain `separator` either.
pub(crate) fn text_without(
    field: &'static str,
    value: &str,
    separator: char,
) -> Result<(), InputError> {
    text(field, value)?;
    if value.contains(separator) {
        return Err(InputError::ContainsSeparator { field, separator });
    }
    Ok(())
}

/// A line of DOKU's component string: no line break may forge another component.
pub(crate) fn line(field: &'static str, value: &str) -> Result<(), InputError> {
    text_without(field, value, '\n')?;
    text_without(field, value, '\r')
}

/// An HTTP method as SNAP signs it: upper-case ASCII letters.
pub(crate) fn method(value: &str) -> Result<(), InputError> {
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(InputError::InvalidMethod {
            method: value.to_owned(),
        });
    }
    Ok(())
}

/// A request path (with its query, if any), never a full URL.
pub(crate) fn path(field: &'static str, value: &str) -> Result<(), InputError> {
    text(field, value)?;
    if !value.starts_with('/') {
        return Err(InputError::NotAPath {
            field,
            path: value.to_owned(),
        });
    }
    Ok(())
}

/// A bearer token as signed: the token alone.
pub(crate) fn token(value: &str) -> Result<(), InputError> {
    text("access_token", value)?;
    let prefix = value.as_bytes().get(..7);
    if prefix.is_some_and(|prefix| prefix.eq_ignore_ascii_case(b"bearer ")) {
        return Err(InputError::BearerPrefix);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_must_be_present_without_surrounding_whitespace() {
        assert_eq!(text("f", "a b"), Ok(()));
        assert_eq!(text("f", ""), Err(InputError::Empty { field: "f" }));
        for padded in [" a", "a ", "a\n", "\ta"] {
            assert_eq!(
                text("f", padded),
                Err(InputError::SurroundingWhitespace { field: "f" }),
                "{padded:?}"
            );
        }
    }

    #[test]
    fn separators_and_line_breaks_are_refused_where_they_would_forge_a_component() {
        assert_eq!(text_without("client_id", "abc", '|'), Ok(()));
        assert_eq!(
            text_without("client_id", "a|b", '|'),
            Err(InputError::ContainsSeparator {
                field: "client_id",
                separator: '|'
            })
        );
        assert_eq!(
            text_without("client_id", " a", '|'),
            Err(InputError::SurroundingWhitespace { field: "client_id" })
        );
        assert_eq!(line("request_id", "r-1"), Ok(()));
        for (value, separator) in [("a\nb", '\n'), ("a\rb", '\r')] {
            assert_eq!(
                line("request_id", value),
                Err(InputError::ContainsSeparator {
                    field: "request_id",
                    separator
                })
            );
        }
    }

    #[test]
    fn methods_are_upper_case_letters_and_paths_start_with_a_slash() {
        for good in ["POST", "GET", "DELETE"] {
            assert_eq!(method(good), Ok(()));
        }
        for bad in ["", "post", "Post", "PO ST", "POST\n", "GÉT"] {
            assert_eq!(
                method(bad),
                Err(InputError::InvalidMethod {
                    method: bad.to_owned()
                }),
                "{bad:?}"
            );
        }
        assert_eq!(path("path", "/v1.0/debit?x=1"), Ok(()));
        assert_eq!(
            path("path", "https://ovo.example/v1.0/debit"),
            Err(InputError::NotAPath {
                field: "path",
                path: "https://ovo.example/v1.0/debit".to_owned()
            })
        );
        assert_eq!(path("path", ""), Err(InputError::Empty { field: "path" }));
    }

    #[test]
    fn bearer_prefix_is_refused_in_any_case_and_non_ascii_tokens_do_not_panic() {
        assert_eq!(token("Bearer abc"), Err(InputError::BearerPrefix));
        assert_eq!(token("bEARER abc"), Err(InputError::BearerPrefix));
        assert_eq!(token("Bearerabc"), Ok(()));
        // A multi-byte character straddling byte 7 once panicked a slice here.
        assert_eq!(token("$E=Ⱥ𑈑&𐭡"), Ok(()));
    }
}
