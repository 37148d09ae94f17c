//! A fake beacon node for tests: a `tiny_http` server on loopback serving devnet fixtures
//! (headers as JSON, states as SSZ), told to misbehave per route ([`Fault`]), and a raw TCP
//! server for bodies cut short ([`TruncatingServer`]). Every server binds 127.0.0.1 only and
//! stops when its handle is dropped.

use stakeproof_beacon::api::{BeaconClient, ClientConfig, HeaderInfo};
use stakeproof_beacon::beacon::{BeaconBlockHeader, Fork, NetworkConfig, Preset};
use stakeproof_beacon::devnet::{self, DevnetSpec};
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A devnet post-block state and the block it belongs to.
pub struct Fixture {
    /// The state's SSZ.
    pub ssz: Vec<u8>,
    /// The block header (with the state root filled in).
    pub header: BeaconBlockHeader,
    /// The block root.
    pub root: [u8; 32],
}

impl Fixture {
    /// A 64-validator mainnet-preset Electra devnet state at `slot`, from `seed`.
    pub fn build(slot: u64, seed: u64) -> Fixture {
        let spec = DevnetSpec {
            validators: 64,
            slot,
            seed,
            ..Default::default()
        };
        assert_eq!(
            (spec.fork, spec.preset.name.as_str()),
            (Fork::Electra, "mainnet")
        );
        let state = devnet::build(&spec).expect("devnet state");
        let tree = state.tree().expect("post-block state");
        Fixture {
            header: tree.header.clone(),
            root: tree.block_root(),
            ssz: state.into_ssz(),
        }
    }

    /// The state root.
    pub fn state_root(&self) -> [u8; 32] {
        self.header.state_root
    }

    /// The block as the client's [`HeaderInfo`].
    pub fn info(&self) -> HeaderInfo {
        HeaderInfo {
            root: self.root,
            slot: self.header.slot,
            canonical: true,
            header: self.header.clone(),
        }
    }
}

/// The devnet network config (mainnet preset) the fixtures decode under.
pub fn network() -> NetworkConfig {
    devnet::devnet_config(&Preset::mainnet())
}

/// `0x`-prefixed hex.
pub fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

/// The headers endpoint's JSON for block `root` with header `h`.
pub fn header_json(root: &[u8; 32], h: &BeaconBlockHeader) -> String {
    serde_json::json!({
        "execution_optimistic": false,
        "finalized": false,
        "data": {
            "root": hex0x(root),
            "canonical": true,
            "header": {
                "message": {
                    "slot": h.slot.to_string(),
                    "proposer_index": h.proposer_index.to_string(),
                    "parent_root": hex0x(&h.parent_root),
                    "state_root": hex0x(&h.state_root),
                    "body_root": hex0x(&h.body_root),
                },
                "signature": hex0x(&[0u8; 96]),
            }
        }
    })
    .to_string()
}

/// How a route misbehaves.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer `status` for the next `times` requests, then normally.
    FailTimes { status: u16, times: usize },
    /// Always answer `status` with `body`.
    Status(u16, &'static str),
    /// Wait this long before answering.
    Delay(Duration),
    /// Send the headers and half the body, then stall this long before the rest.
    StallBody(Duration),
    /// Replace the Eth-Consensus-Version header (`None`: leave it out).
    Version(Option<String>),
    /// Serve these bytes instead of the normal body.
    Body(Vec<u8>),
    /// Replace the Content-Type.
    ContentType(&'static str),
}

/// What a [`TestNode`] serves, and what it was asked.
#[derive(Default)]
pub struct NodeData {
    /// Blocks by slot: root and header.
    pub blocks: BTreeMap<u64, ([u8; 32], BeaconBlockHeader)>,
    /// States by `0x<state_root>`: SSZ and fork name.
    pub states: HashMap<String, (Vec<u8>, &'static str)>,
    /// Faults by request path.
    pub faults: HashMap<String, Vec<Fault>>,
    /// Every request path, in order.
    pub log: Vec<String>,
}

/// A beacon node on loopback (tiny_http), stopped on drop.
pub struct TestNode {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Blocks, states, faults and the request log.
    pub data: Arc<Mutex<NodeData>>,
    stop: Arc<AtomicBool>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

/// Sleeps `d`, waking early when `stop` is set.
fn nap(d: Duration, stop: &AtomicBool) {
    let end = Instant::now() + d;
    while Instant::now() < end && !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A body that stalls half way.
struct StallingReader {
    data: Vec<u8>,
    pos: usize,
    stall: Duration,
    stalled: bool,
    stop: Arc<AtomicBool>,
}

impl Read for StallingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let half = self.data.len() / 2;
        if self.pos >= half && !self.stalled {
            self.stalled = true;
            nap(self.stall, &self.stop);
        }
        let end = if self.stalled { self.data.len() } else { half };
        let n = buf.len().min(end - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("valid header")
}

impl TestNode {
    /// Serves `fixtures` (block and state each); `head` is the latest block, `finalized` the
    /// earliest.
    pub fn start(fixtures: &[&Fixture]) -> TestNode {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind loopback"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let data = Arc::new(Mutex::new(NodeData::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (server, data, stop) = (server.clone(), data.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match server.recv_timeout(Duration::from_millis(10)) {
                        Ok(Some(rq)) => handle(rq, &data, &stop),
                        Ok(None) => {}
                        Err(_) => break,
                    }
                }
            })
        };
        let node = TestNode {
            url: format!("http://127.0.0.1:{port}"),
            data,
            stop,
            server,
            thread: Some(thread),
        };
        for fx in fixtures {
            node.add_block(fx.root, fx.header.clone());
            node.add_state(fx.state_root(), fx.ssz.clone());
        }
        node
    }

    /// Serves block `root` with header `h` at its slot.
    pub fn add_block(&self, root: [u8; 32], h: BeaconBlockHeader) {
        self.data
            .lock()
            .expect("lock")
            .blocks
            .insert(h.slot, (root, h));
    }

    /// Serves `ssz` as the (electra) state with root `state_root`.
    pub fn add_state(&self, state_root: [u8; 32], ssz: Vec<u8>) {
        self.data
            .lock()
            .expect("lock")
            .states
            .insert(hex0x(&state_root), (ssz, "electra"));
    }

    /// Adds a fault to the route `path`.
    pub fn fault(&self, path: &str, f: Fault) {
        self.data
            .lock()
            .expect("lock")
            .faults
            .entry(path.to_string())
            .or_default()
            .push(f);
    }

    /// How many requests `path` received.
    pub fn requests(&self, path: &str) -> usize {
        let d = self.data.lock().expect("lock");
        d.log.iter().filter(|p| *p == path).count()
    }

    /// How many requests paths under `prefix` received.
    pub fn requests_under(&self, prefix: &str) -> usize {
        let d = self.data.lock().expect("lock");
        d.log.iter().filter(|p| p.starts_with(prefix)).count()
    }

    /// A client of this node (500 ms timeout, 2 retries, 10 ms backoff), `tweak`ed.
    pub fn client(&self, tweak: impl FnOnce(&mut ClientConfig)) -> BeaconClient {
        let mut cfg = ClientConfig::new(format!("{}/", self.url));
        cfg.timeout = Duration::from_millis(500);
        cfg.retries = 2;
        cfg.backoff = Duration::from_millis(10);
        tweak(&mut cfg);
        BeaconClient::new(cfg, network())
    }
}

impl Drop for TestNode {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The state route of `fx`.
pub fn state_path(fx: &Fixture) -> String {
    format!("/eth/v2/debug/beacon/states/{}", hex0x(&fx.state_root()))
}

/// The header route of block id `id`.
pub fn header_path(id: &str) -> String {
    format!("/eth/v1/beacon/headers/{id}")
}

/// Prefix of the header routes.
pub const HEADERS: &str = "/eth/v1/beacon/headers/";
/// Prefix of the state routes.
pub const STATES: &str = "/eth/v2/debug/beacon/states/";

fn handle(rq: tiny_http::Request, data: &Mutex<NodeData>, stop: &Arc<AtomicBool>) {
    let path = rq.url().to_string();
    let accept = rq
        .headers()
        .iter()
        .find(|h| h.field.equiv("Accept"))
        .map(|h| h.value.as_str().to_string());
    let (faults, normal) = {
        let mut d = data.lock().expect("lock");
        d.log.push(path.clone());
        let mut faults = d.faults.get(&path).cloned().unwrap_or_default();
        // Consume one failure of each FailTimes fault.
        let mut fail_now = None;
        if let Some(stored) = d.faults.get_mut(&path) {
            for f in stored.iter_mut() {
                if let Fault::FailTimes { status, times } = f {
                    if *times > 0 && fail_now.is_none() {
                        *times -= 1;
                        fail_now = Some(*status);
                    }
                }
            }
        }
        if let Some(status) = fail_now {
            faults.insert(0, Fault::Status(status, "injected transient failure"));
        }
        (faults, route(&d, &path, accept.as_deref()))
    };
    let (mut status, mut body, mut ctype, mut version) = normal;
    let mut stall = None;
    for f in faults {
        match f {
            Fault::Status(s, b) => {
                let _ = rq.respond(
                    tiny_http::Response::from_string(format!(
                        "{{\"code\":{s},\"message\":\"{b}\"}}"
                    ))
                    .with_status_code(s),
                );
                return;
            }
            Fault::FailTimes { .. } => {}
            Fault::Delay(d) => nap(d, stop),
            Fault::StallBody(d) => stall = Some(d),
            Fault::Version(v) => version = v,
            Fault::Body(b) => {
                status = 200;
                body = b;
            }
            Fault::ContentType(c) => ctype = c,
        }
    }
    let mut headers = vec![header("Content-Type", ctype)];
    if let Some(v) = version {
        headers.push(header("Eth-Consensus-Version", &v));
    }
    let len = body.len();
    let reader: Box<dyn Read + Send> = match stall {
        Some(stall) => Box::new(StallingReader {
            data: body,
            pos: 0,
            stall,
            stalled: false,
            stop: stop.clone(),
        }),
        None => Box::new(std::io::Cursor::new(body)),
    };
    let resp = tiny_http::Response::new(status.into(), headers, reader, Some(len), None)
        .with_chunked_threshold(usize::MAX);
    let _ = rq.respond(resp);
}

type Answer = (u16, Vec<u8>, &'static str, Option<String>);

/// The well-behaved answer to `path`.
fn route(d: &NodeData, path: &str, accept: Option<&str>) -> Answer {
    let not_found = |what: &str| {
        (
            404,
            format!("{{\"code\":404,\"message\":\"NOT_FOUND: {what}\"}}").into_bytes(),
            "application/json",
            None,
        )
    };
    if let Some(id) = path.strip_prefix(HEADERS) {
        let block = match id {
            "head" => d.blocks.values().next_back(),
            "finalized" => d.blocks.values().next(),
            _ if id.starts_with("0x") => d.blocks.values().find(|(r, _)| hex0x(r) == id),
            _ => id.parse::<u64>().ok().and_then(|s| d.blocks.get(&s)),
        };
        return match block {
            Some((root, h)) => (
                200,
                header_json(root, h).into_bytes(),
                "application/json",
                None,
            ),
            None => not_found(&format!("beacon block {id}")),
        };
    }
    if let Some(id) = path.strip_prefix(STATES) {
        assert_eq!(
            accept,
            Some("application/octet-stream"),
            "states are asked as SSZ"
        );
        return match d.states.get(id) {
            Some((ssz, fork)) => (
                200,
                ssz.clone(),
                "application/octet-stream",
                Some(fork.to_string()),
            ),
            None => not_found(&format!("state {id}")),
        };
    }
    not_found(path)
}

/// A raw HTTP server that announces the whole state's Content-Length, sends half of it and
/// closes the connection. Stopped on drop.
pub struct TruncatingServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Connections accepted.
    pub hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl TruncatingServer {
    /// Serves half of `body` to every request.
    pub fn start(body: Vec<u8>) -> TruncatingServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        h.fetch_add(1, Ordering::Relaxed);
                        let _ = serve_truncated(stream, &body);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        TruncatingServer {
            url,
            hits,
            stop,
            thread: Some(thread),
        }
    }
}

fn serve_truncated(mut stream: TcpStream, body: &[u8]) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Ok(());
        }
        req.extend_from_slice(&buf[..n]);
    }
    let head = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nEth-Consensus-Version: electra\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&body[..body.len() / 2])?;
    stream.flush()?;
    stream.shutdown(std::net::Shutdown::Both)
}

impl Drop for TruncatingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A raw HTTP server on loopback that answers every connection with `serve` (after reading the
/// request head): for answers `tiny_http` would buffer or refuse to send, such as a body
/// trickled one byte at a time or one without end. Stopped on drop.
pub struct RawServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    /// Connections accepted.
    pub hits: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl RawServer {
    /// Serves every connection with `serve(stream, stop)`.
    pub fn start(
        serve: impl Fn(&mut TcpStream, &AtomicBool) -> std::io::Result<()> + Send + 'static,
    ) -> RawServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let hits = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (h, s) = (hits.clone(), stop.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        h.fetch_add(1, Ordering::Relaxed);
                        if read_request_head(&mut stream).is_ok() {
                            let _ = serve(&mut stream, &s);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        RawServer {
            url,
            hits,
            stop,
            thread: Some(thread),
        }
    }

    /// Sends `body` (announcing its full length) one byte every `interval`, flushing each, and
    /// gives up (closing the connection) after `give_up`.
    pub fn trickle(body: Vec<u8>, interval: Duration, give_up: Duration) -> RawServer {
        RawServer::start(move |stream, stop| {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nEth-Consensus-Version: electra\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes())?;
            stream.flush()?;
            let end = Instant::now() + give_up;
            for b in &body {
                if Instant::now() >= end || stop.load(Ordering::Relaxed) {
                    break;
                }
                stream.write_all(&[*b])?;
                stream.flush()?;
                nap(interval, stop);
            }
            stream.shutdown(std::net::Shutdown::Both)
        })
    }

    /// Sends a state body without a length and without end (zeros, until the client hangs up).
    pub fn endless() -> RawServer {
        RawServer::start(|stream, stop| {
            stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nEth-Consensus-Version: electra\r\nConnection: close\r\n\r\n")?;
            let chunk = vec![0u8; 64 << 10];
            while !stop.load(Ordering::Relaxed) {
                stream.write_all(&chunk)?;
            }
            Ok(())
        })
    }

    /// Announces a `Content-Length` of `len` bytes and sends none of them (then waits for the
    /// client to hang up).
    pub fn announces(len: u64) -> RawServer {
        RawServer::start(move |stream, stop| {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nEth-Consensus-Version: electra\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes())?;
            stream.flush()?;
            nap(Duration::from_secs(5), stop);
            Ok(())
        })
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Reads up to the end of an HTTP request head.
fn read_request_head(stream: &mut TcpStream) -> std::io::Result<()> {
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    let mut req = Vec::new();
    let mut buf = [0u8; 1024];
    while !req.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        req.extend_from_slice(&buf[..n]);
    }
    Ok(())
}
