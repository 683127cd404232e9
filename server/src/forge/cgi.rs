//! One request to `git http-backend`, run as a CGI process: an environment made from nothing
//! but what the protocol needs (never the server's variables or secrets), the request body
//! streamed to its input, its output streamed back as the response, never held whole.

use std::ffi::OsString;
use std::net::IpAddr;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::{Stream, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio_util::io::ReaderStream;

/// The two services of the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Clone and fetch.
    UploadPack,
    /// Push.
    ReceivePack,
}

impl Service {
    pub fn name(self) -> &'static str {
        match self {
            Service::UploadPack => "git-upload-pack",
            Service::ReceivePack => "git-receive-pack",
        }
    }

    /// The service a `?service=` query names; anything else (the « dumb » protocol, which
    /// is not served) is none.
    pub fn from_query(query: Option<&str>) -> Option<Self> {
        match query? {
            "service=git-upload-pack" => Some(Service::UploadPack),
            "service=git-receive-pack" => Some(Service::ReceivePack),
            _ => None,
        }
    }
}

/// What the process is asked: the refs a service advertises, or one exchange with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exchange {
    Advertise(Service),
    Call(Service),
}

/// Everything of a request that reaches the process, each part checked by its caller.
#[derive(Debug, Clone)]
pub struct CgiRequest {
    /// The repository's folder name under the root, from the project's id.
    pub folder: String,
    pub exchange: Exchange,
    pub content_type: Option<String>,
    pub gzip_body: bool,
    /// The client's `Git-Protocol` header (`version=2`), when well formed.
    pub protocol: Option<String>,
    pub remote_addr: Option<IpAddr>,
    /// The maintainer who pushes and the rules of the push, once authenticated; none for a
    /// clone or a fetch, and then no push is accepted.
    pub push: Option<Push>,
}

/// What a push may do.
#[derive(Debug, Clone)]
pub struct Push {
    /// Who pushes, for git's logs.
    pub user: String,
    /// How much it may send.
    pub limits: super::PushLimits,
    /// civiforge's hooks (`pre-receive` refuses too many refs, or refs outside branches
    /// and tags).
    pub hooks: std::path::PathBuf,
}

/// Accepted `Git-Protocol` values: short, of the characters the protocol uses.
pub fn protocol_header(value: Option<&HeaderValue>) -> Option<String> {
    let text = value?.to_str().ok()?;
    let well_formed = !text.is_empty()
        && text.len() <= 64
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"=:,._-".contains(&b));
    well_formed.then(|| text.to_string())
}

/// The process's whole environment. Git's own configuration files are not read (neither the
/// system's nor the server user's): what it needs is set here.
pub fn environment(root: &Path, request: &CgiRequest) -> Vec<(OsString, OsString)> {
    let (method, path, query) = match request.exchange {
        Exchange::Advertise(service) => ("GET", "info/refs", format!("service={}", service.name())),
        Exchange::Call(service) => ("POST", service.name(), String::new()),
    };
    // Partial clones (`--filter=blob:none`) of large repositories.
    let mut config = vec![("uploadpack.allowFilter", "true".to_string())];
    match &request.push {
        None => config.push(("http.receivepack", "false".into())),
        Some(push) => config.extend([
            ("http.receivepack", "true".into()),
            ("receive.maxInputSize", push.limits.max_bytes.to_string()),
            (super::hooks::MAX_REFS_KEY, push.limits.max_refs.to_string()),
            // What was published stays: no deleted ref, no rewritten branch.
            ("receive.denyDeletes", "true".into()),
            ("receive.denyNonFastForwards", "true".into()),
            ("receive.fsckObjects", "true".into()),
            ("core.hooksPath", push.hooks.display().to_string()),
        ]),
    }
    let mut env: Vec<(OsString, OsString)> = super::base_environment()
        .into_iter()
        .map(|(name, value)| (name.into(), value))
        .collect();
    let mut set = |name: &str, value: OsString| env.push((name.into(), value));
    set("GIT_PROJECT_ROOT", root.as_os_str().to_owned());
    set("GIT_HTTP_EXPORT_ALL", "1".into());
    set("GIT_CONFIG_COUNT", config.len().to_string().into());
    for (n, (key, value)) in config.into_iter().enumerate() {
        set(&format!("GIT_CONFIG_KEY_{n}"), key.into());
        set(&format!("GIT_CONFIG_VALUE_{n}"), value.into());
    }
    set("REQUEST_METHOD", method.into());
    set("PATH_INFO", format!("/{}/{path}", request.folder).into());
    set("QUERY_STRING", query.into());
    if let Some(content_type) = &request.content_type {
        set("CONTENT_TYPE", content_type.into());
    }
    if request.gzip_body {
        set("HTTP_CONTENT_ENCODING", "gzip".into());
    }
    if let Some(protocol) = &request.protocol {
        set("GIT_PROTOCOL", protocol.into());
    }
    if let Some(address) = request.remote_addr {
        set("REMOTE_ADDR", address.to_string().into());
    }
    if let Some(push) = &request.push {
        set("REMOTE_USER", push.user.clone().into());
    }
    env
}

/// Why a request could not be answered by the process.
#[derive(Debug, thiserror::Error)]
pub enum CgiError {
    #[error("la requête dépasse {0} octets")]
    BodyTooLarge(u64),
    #[error("git http-backend n'a pas pu être lancé : {0}")]
    Spawn(std::io::Error),
    #[error("réponse illisible de git http-backend : {0}")]
    BadOutput(String),
}

/// Bytes read from the process at once: a pack streams in chunks this large, not in the
/// default 4 KiB ones (each a frame through hyper).
const OUTPUT_CHUNK: usize = 64 * 1024;

/// Largest block of headers read from the process.
const MAX_HEADER_BYTES: usize = 16 * 1024;

/// Runs one exchange: `body` goes to the process (at most `max_body` bytes), its output
/// comes back as the response. `permit` is held until the response is sent in full.
pub async fn run(
    git: &Path,
    root: &Path,
    request: &CgiRequest,
    body: Body,
    max_body: u64,
    permit: tokio::sync::OwnedSemaphorePermit,
    on_complete: Option<OnComplete>,
) -> Result<Response, CgiError> {
    let mut child = Command::new(git)
        .arg("http-backend")
        .env_clear()
        .envs(environment(root, request))
        .current_dir(root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(CgiError::Spawn)?;
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        return Err(CgiError::BadOutput("tubes absents".into()));
    };
    tokio::spawn(log_errors(stderr));
    let mut feeder = AbortOnDrop(tokio::spawn(feed(stdin, body, max_body)));
    let mut reader = BufReader::with_capacity(OUTPUT_CHUNK, stdout);
    let head = tokio::select! {
        head = read_head(&mut reader) => head?,
        fed = &mut feeder.0 => {
            if let Ok(Err(Feed::TooLarge)) = fed {
                return Err(CgiError::BodyTooLarge(max_body));
            }
            read_head(&mut reader).await?
        }
    };
    let mut response = Response::new(Body::from_stream(Streamed {
        reader: ReaderStream::with_capacity(reader, OUTPUT_CHUNK),
        _child: child,
        _feeder: feeder,
        _permit: permit,
        on_complete,
    }));
    *response.status_mut() = head.status;
    for (name, value) in head.headers {
        response.headers_mut().insert(name, value);
    }
    Ok(response)
}

/// Why feeding the body stopped early.
enum Feed {
    TooLarge,
    Gone,
}

async fn feed(mut stdin: ChildStdin, body: Body, max_body: u64) -> Result<(), Feed> {
    let mut chunks = body.into_data_stream();
    let mut total = 0u64;
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| Feed::Gone)?;
        total += chunk.len() as u64;
        if total > max_body {
            return Err(Feed::TooLarge);
        }
        // A process that stopped reading has answered already: its answer says why.
        stdin.write_all(&chunk).await.map_err(|_| Feed::Gone)?;
    }
    stdin.shutdown().await.map_err(|_| Feed::Gone)
}

async fn log_errors(stderr: tokio::process::ChildStderr) {
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::warn!(target: "civiforge::forge", "git http-backend: {line}");
    }
}

/// The status and the headers worth passing on.
struct Head {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
}

async fn read_head<R: AsyncRead + Unpin>(reader: &mut BufReader<R>) -> Result<Head, CgiError> {
    let mut head = Head {
        status: StatusCode::OK,
        headers: Vec::new(),
    };
    let mut read = 0;
    loop {
        let mut line = Vec::new();
        let n = reader
            .read_until(b'\n', &mut line)
            .await
            .map_err(|e| CgiError::BadOutput(e.to_string()))?;
        read += n;
        if n == 0 || read > MAX_HEADER_BYTES {
            return Err(CgiError::BadOutput("en-têtes incomplets".into()));
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            return Ok(head);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(CgiError::BadOutput(format!("ligne d'en-tête « {line} »")));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("status") {
            head.status = value
                .get(..3)
                .and_then(|code| code.parse::<u16>().ok())
                .and_then(|code| StatusCode::from_u16(code).ok())
                .ok_or_else(|| CgiError::BadOutput(format!("statut « {value} »")))?;
        } else if let Some(name) = passed_on(name)
            && let Ok(value) = HeaderValue::from_str(value)
        {
            head.headers.push((name, value));
        }
    }
}

/// The process's headers that reach the client; the server sets the rest itself.
fn passed_on(name: &str) -> Option<HeaderName> {
    [
        header::CONTENT_TYPE,
        header::CACHE_CONTROL,
        header::EXPIRES,
        header::PRAGMA,
    ]
    .into_iter()
    .find(|known| known.as_str().eq_ignore_ascii_case(name))
}

/// Aborts the task that feeds the process when the response is dropped (the client left).
struct AbortOnDrop(tokio::task::JoinHandle<Result<(), Feed>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The response body: the process's output, the process itself (killed if the client leaves
/// before the end) and the permit that counts it.
struct Streamed {
    reader: ReaderStream<BufReader<ChildStdout>>,
    _child: Child,
    _feeder: AbortOnDrop,
    _permit: tokio::sync::OwnedSemaphorePermit,
    on_complete: Option<OnComplete>,
}

/// What to do once the process's whole answer was sent (a push's indexing).
pub type OnComplete = Box<dyn FnOnce() + Send + Sync>;

impl Stream for Streamed {
    type Item = std::io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let next = Pin::new(&mut self.reader).poll_next(cx);
        if let Poll::Ready(None) = next
            && let Some(complete) = self.on_complete.take()
        {
            complete();
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(exchange: Exchange) -> CgiRequest {
        CgiRequest {
            folder: "7.git".into(),
            exchange,
            content_type: None,
            gzip_body: false,
            protocol: Some("version=2".into()),
            remote_addr: None,
            push: None,
        }
    }

    #[test]
    fn the_environment_names_the_repository_by_its_folder() {
        let env = environment(
            Path::new("/srv/mirrors"),
            &request(Exchange::Advertise(Service::UploadPack)),
        );
        let names: Vec<String> = env
            .iter()
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(!names.iter().any(|n| n == "HOME"), "{names:?}");
        let value = |wanted: &str| {
            env.iter()
                .find(|(name, _)| name.as_os_str() == wanted)
                .map(|(_, v)| v.to_string_lossy().into_owned())
        };
        assert_eq!(value("PATH_INFO").as_deref(), Some("/7.git/info/refs"));
        assert_eq!(
            value("QUERY_STRING").as_deref(),
            Some("service=git-upload-pack")
        );
        assert_eq!(
            value("GIT_CONFIG_KEY_1").as_deref(),
            Some("http.receivepack")
        );
        assert_eq!(value("GIT_CONFIG_VALUE_1").as_deref(), Some("false"));
    }

    #[test]
    fn only_well_formed_protocol_headers_pass() {
        let header = |text: &'static str| protocol_header(Some(&HeaderValue::from_static(text)));
        assert_eq!(header("version=2").as_deref(), Some("version=2"));
        assert!(header("version=2:object-format=sha1").is_some());
        assert_eq!(header("version=2\" ; rm -rf /"), None);
        assert_eq!(header(""), None);
    }

    #[tokio::test]
    async fn headers_end_at_the_blank_line() -> Result<(), CgiError> {
        let output: &[u8] =
            b"Status: 404 Not Found\r\nContent-Type: text/plain\r\nX-Other: 1\r\n\r\nbody";
        let mut reader = BufReader::new(output);
        let head = read_head(&mut reader).await?;
        assert_eq!(head.status, StatusCode::NOT_FOUND);
        assert_eq!(head.headers.len(), 1);
        let mut rest = String::new();
        tokio::io::AsyncReadExt::read_to_string(&mut reader, &mut rest)
            .await
            .map_err(|e| CgiError::BadOutput(e.to_string()))?;
        assert_eq!(rest, "body");
        Ok(())
    }
}
