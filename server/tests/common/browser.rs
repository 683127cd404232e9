//! A browser without JavaScript for tests: it keeps cookies and posts forms the way a
//! same-site page would.

use axum::body::Body;
use axum::http::{Request, header};

use super::{TestApp, TestResponse};

/// The cookies a browser would keep.
#[derive(Default)]
pub struct Browser {
    pub cookies: Vec<(String, String)>,
}

impl Browser {
    pub fn keep(&mut self, response: &TestResponse) {
        for value in response.headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("cookie");
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                self.cookies.retain(|(n, _)| n != name);
                if !value.is_empty() {
                    self.cookies.push((name.to_string(), value.to_string()));
                }
            }
        }
    }

    pub fn cookie(&self, name: &str) -> Option<String> {
        self.cookies
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }

    pub fn header(&self) -> String {
        self.cookies
            .iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn get(&mut self, app: &TestApp, uri: &str) -> TestResponse {
        let request = Request::builder()
            .uri(uri)
            .header(header::COOKIE, self.header())
            .body(Body::empty())
            .expect("request");
        let response = app.send(request).await;
        self.keep(&response);
        response
    }

    pub async fn post(
        &mut self,
        app: &TestApp,
        uri: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        self.post_from(app, uri, fields, "192.0.2.10", None).await
    }

    /// A post from a given peer address, with an `X-Forwarded-For` the client wrote.
    pub async fn post_from(
        &mut self,
        app: &TestApp,
        uri: &str,
        fields: &[(&str, &str)],
        peer: &str,
        forwarded_for: Option<&str>,
    ) -> TestResponse {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let content_type = "application/x-www-form-urlencoded";
        self.send_post(
            app,
            uri,
            content_type,
            Body::from(body),
            peer,
            forwarded_for,
        )
        .await
    }

    /// Posts a body as a page of the site would, from `peer`, keeping the cookies set.
    pub async fn send_post(
        &mut self,
        app: &TestApp,
        uri: &str,
        content_type: &str,
        body: Body,
        peer: &str,
        forwarded_for: Option<&str>,
    ) -> TestResponse {
        let mut builder = Request::builder();
        if let Some(forwarded) = forwarded_for {
            builder = builder.header("x-forwarded-for", forwarded);
        }
        let mut request = builder
            .method("POST")
            .uri(uri)
            .header(header::COOKIE, self.header())
            .header(header::CONTENT_TYPE, content_type)
            .header(header::HOST, "civiforge.test")
            .header(header::ORIGIN, "http://civiforge.test")
            .body(body)
            .expect("request");
        let address: std::net::SocketAddr = format!("{peer}:40000").parse().expect("peer");
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(address));
        let response = app.send(request).await;
        self.keep(&response);
        response
    }

    /// Signs in through the form; panics unless the sign-in succeeds.
    pub async fn sign_in(&mut self, app: &TestApp, email: &str, password: &str) {
        self.get(app, "/connexion").await;
        let csrf = self.csrf();
        let fields = [
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ];
        let response = self.post(app, "/connexion", &fields).await;
        assert_eq!(
            response.status,
            axum::http::StatusCode::SEE_OTHER,
            "{}",
            response.text
        );
    }

    /// Posts a form carrying this browser's anti-forgery token, as a page of the site would.
    pub async fn submit(
        &mut self,
        app: &TestApp,
        uri: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let csrf = self.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(app, uri, &all).await
    }

    pub fn csrf(&self) -> String {
        self.cookie("civiforge_csrf").expect("anti-forgery cookie")
    }
}

pub fn location(response: &TestResponse) -> String {
    response
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}
