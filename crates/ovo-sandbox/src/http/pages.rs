//! The HTML pages the provider answers with, rendered from their data ([`Page`]) with maud,
//! which escapes every value it interpolates.

use maud::{DOCTYPE, Markup, html};

use crate::provider::exchange::Page;
use crate::provider::{DOKU_PAYMENT_PAGE, DOKU_REGISTRATION, WEBVIEW_SUBMIT};

/// The page as an HTML document.
pub(crate) fn render(page: &Page) -> String {
    match page {
        Page::WebviewMessage { message } => document(
            "OVO sandbox",
            html! {
                h1 { "OVO sandbox" }
                p id="message" { (message) }
            },
        ),
        Page::WebviewForm {
            session,
            destination,
            state,
            needs_otp,
            error,
        } => document(
            "OVO sandbox",
            html! {
                h1 { "OVO sandbox" }
                (error_line(error.as_deref()))
                form id="challenge" method="post" action=(WEBVIEW_SUBMIT) {
                    input type="hidden" name="session" value=(session);
                    input type="hidden" name="destination" value=(destination);
                    input type="hidden" name="state" value=(state.as_deref().unwrap_or_default());
                    @if *needs_otp {
                        label {
                            "OTP (in the sandbox, the last 4 digits of the phone) "
                            input id="otp" name="otp" inputmode="numeric"
                                autocomplete="one-time-code" maxlength="4";
                        }
                    }
                    (pin_field())
                    (confirm())
                }
            },
        ),
        Page::DokuRegistration { session, error } => document(
            "OVO registration (sandbox)",
            html! {
                h1 { "Link your OVO account" }
                (error_line(error.as_deref()))
                form id="challenge" method="post" action={ (DOKU_REGISTRATION) (session) } {
                    label { "OTP " input id="otp" name="otp" maxlength="4"; }
                    (pin_field())
                    (confirm())
                }
            },
        ),
        Page::DokuPayment { page, error } => document(
            "OVO payment (sandbox)",
            html! {
                h1 { "Confirm your OVO payment" }
                (error_line(error.as_deref()))
                form id="challenge" method="post" action={ (DOKU_PAYMENT_PAGE) (page) } {
                    (pin_field())
                    (confirm())
                }
            },
        ),
        Page::DokuPaymentDone { status } => document(
            "OVO payment (sandbox)",
            html! {
                h1 { "OVO payment" }
                p id="message" { "Payment " (status) }
            },
        ),
    }
    .into_string()
}

fn document(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html {
            head {
                meta charset="utf-8";
                title { (title) }
                meta name="viewport" content="width=device-width";
            }
            body { (body) }
        }
    }
}

fn error_line(error: Option<&str>) -> Markup {
    html! {
        @if let Some(error) = error {
            p id="error" role="alert" { (error) }
        }
    }
}

fn pin_field() -> Markup {
    html! {
        label {
            "Security PIN "
            input id="pin" name="pin" type="password" inputmode="numeric" maxlength="6";
        }
    }
}

fn confirm() -> Markup {
    html! {
        button id="submit" type="submit" { "Confirm" }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_escaped() {
        let page = render(&Page::WebviewForm {
            session: "s\"><script>alert(1)</script>".to_owned(),
            destination: "https://cb.example/?a=1&b=<2>".to_owned(),
            state: Some("'x'".to_owned()),
            needs_otp: true,
            error: Some("<b>wrong</b>".to_owned()),
        });
        assert!(!page.contains("<script>"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
        assert!(page.contains("&lt;b&gt;wrong&lt;/b&gt;"), "{page}");
        assert!(page.contains("a=1&amp;b=&lt;2&gt;"), "{page}");
        assert!(page.contains("id=\"otp\""), "{page}");
    }

    #[test]
    fn the_doku_forms_post_to_their_own_page() {
        let page = render(&Page::DokuPayment {
            page: "p-1\"&".to_owned(),
            error: None,
        });
        assert!(
            page.contains("action=\"/ovo-open-api/payment/p-1&quot;&amp;\""),
            "{page}"
        );
        assert!(!page.contains("id=\"error\""), "{page}");
        let page = render(&Page::DokuRegistration {
            session: "r-1".to_owned(),
            error: Some("Wrong OTP or PIN. 2 attempts left.".to_owned()),
        });
        assert!(
            page.contains("action=\"/ovo-open-api/registration/r-1\""),
            "{page}"
        );
        assert!(page.contains("2 attempts left"), "{page}");
    }
}
