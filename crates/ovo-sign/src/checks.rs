//! Checks on signing inputs that refuse certain mistakes without ever altering what is signed.

use crate::error::InputError;

/// A component that must be present and carry no surrounding whitespace.
pub(crate) fn text(field: &'static str, value: &str) -> Result<(), InputError> {
    if value.is_empty() {
        return Err(InputError::Empty { field });
    }
    if value.trim() != value {
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
    fn bearer_prefix_is_refused_in_any_case_and_non_ascii_tokens_do_not_panic() {
        assert_eq!(token("Bearer abc"), Err(InputError::BearerPrefix));
        assert_eq!(token("bEARER abc"), Err(InputError::BearerPrefix));
        assert_eq!(token("Bearerabc"), Ok(()));
        // A multi-byte character straddling byte 7 once panicked a slice here.
        assert_eq!(token("$E=Ⱥ𑈑&𐭡"), Ok(()));
    }
}
