//! The `stormwatch` command line: the panel's engine over saved HAR files and
//! session reports, for QA reports and CI gates.
//!
//! Inputs are streamed (a 200 MB HAR never sits in memory whole), from files,
//! standard input (`-`), gzip files and zip archives (CI artifacts) alike.
//!
//! Exit codes: 0 clean, 1 a finding at or above `--fail-on`, 2 bad input or usage.

/// mimalloc instead of the system allocator: reading a HAR and analysing it
/// allocates and frees a few dozen small strings per entry, and glibc's malloc and
/// free were a fifth of the CLI's time (see the README's benchmark for the gain).
/// The panel's wasm keeps its own allocator.
#[cfg(not(target_arch = "wasm32"))]
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Read, Seek, SeekFrom, Write};
use std::process::ExitCode;
use stormwatch::detect::{info, DETECTORS};
use stormwatch::input::session::{self, Analysis};
use stormwatch::report::{text, Report};
use stormwatch::{Config, Severity};

const USAGE: &str = "stormwatch: finds frontend performance anti-patterns in saved sessions and HAR files

Usage:
  stormwatch analyze FILE... [--format text|json|markdown|html] [--fail-on info|warning|error]
                             [--config stormwatch.toml] [--output FILE] [--no-redact]
  stormwatch explain DETECTOR-ID
  stormwatch detectors
  stormwatch --version

FILE is a HAR file (from any browser, HAR recorder or proxy), a stormwatch report,
`-` for standard input, a gzip-compressed file (.har.gz) or a .zip archive (a CI
artifact: every .har in it is analysed). A HAR with several pages is analysed page
by page. Entries that cannot be read are skipped and named on stderr.

--config names a TOML (or JSON) file with thresholds per detector,
`disabled = [\"detector-id\", ...]` and `ignore = [\"URL pattern\", ...]`, the same
settings as the panel's.

--format html writes one self-contained page (findings, timeline, React components)
to attach to a ticket. JSON, Markdown and HTML output redact secret-looking values
(token, key, password, session, auth...) unless --no-redact is given.

Exit codes: 0 clean, 1 findings at or above --fail-on (default error), 2 bad input
(a file that cannot be read at all; the other files are still analysed).";

/// Files larger than this are refused before reading (a HAR this big is not one).
const MAX_INPUT_BYTES: u64 = 512 << 20;
/// Decompressed input larger than this is refused (a zip or gzip bomb).
const MAX_DECOMPRESSED_BYTES: u64 = 4 << 30;

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Text,
    Json,
    Markdown,
    Html,
}

struct Analyze {
    files: Vec<String>,
    format: Format,
    fail_on: Severity,
    output: Option<String>,
    redact: bool,
    config: Config,
}

fn parse_analyze(args: &[String]) -> Result<Analyze, String> {
    let mut a = Analyze {
        files: Vec::new(),
        format: Format::Text,
        fail_on: Severity::Error,
        output: None,
        redact: true,
        config: Config::default(),
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--format" => match value("--format")?.as_str() {
                "json" => a.format = Format::Json,
                "text" => a.format = Format::Text,
                "markdown" | "md" => a.format = Format::Markdown,
                "html" => a.format = Format::Html,
                other => return Err(format!("unknown format {other:?} (text, json, markdown or html)")),
            },
            "--fail-on" => {
                let v = value("--fail-on")?;
                a.fail_on =
                    Severity::parse(&v).ok_or_else(|| format!("unknown severity {v:?} (info, warning or error)"))?;
            }
            "--output" | "-o" => a.output = Some(value("--output")?),
            "--no-redact" => a.redact = false,
            "--config" => a.config = load_config(&value("--config")?)?,
            "-" => a.files.push("-".into()),
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            file => a.files.push(file.to_string()),
        }
    }
    if a.files.is_empty() {
        return Err("analyze needs at least one file".into());
    }
    if a.files.iter().filter(|f| *f == "-").count() > 1 {
        return Err("standard input (-) can be read only once".into());
    }
    Ok(a)
}

/// Thresholds and disabled detectors from `stormwatch.toml` (or a `.json` file):
/// the same settings as the panel's, every field optional.
fn load_config(path: &str) -> Result<Config, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    if path.ends_with(".json") {
        serde_json::from_str(&text).map_err(|e| format!("{path}: invalid config: {e}"))
    } else {
        toml::from_str(&text).map_err(|e| format!("{path}: invalid config: {}", e.message()))
    }
}

// ---------------------------------------------------------------------------
// Inputs: files, standard input, gzip, zip.

/// Inputs are `Send`: the CLI reads and decodes on one thread and analyses on another.
type Input = Box<dyn Read + Send>;
type Opener = Box<dyn FnOnce() -> Result<Input, String>>;

/// One thing to analyse: a file, standard input, or one .har inside a zip.
struct Source {
    name: String,
    /// Known size in bytes (progress on a terminal for big ones).
    size: Option<u64>,
    open: Opener,
}

/// Refuses to read past a limit, so a small archive cannot expand without end.
struct Limit<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Limit<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "more than {} GB once decompressed",
                MAX_DECOMPRESSED_BYTES >> 30
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn gunzip<R: Read + Send + 'static>(r: R) -> Input {
    Box::new(Limit {
        inner: flate2::read::MultiGzDecoder::new(BufReader::with_capacity(256 << 10, r)),
        left: MAX_DECOMPRESSED_BYTES,
    })
}

const GZIP: &[u8] = &[0x1f, 0x8b];
const ZIP: &[u8] = b"PK\x03\x04";
const EMPTY_ZIP: &[u8] = b"PK\x05\x06";

/// What to analyse for one command-line argument (a zip gives one per .har inside).
fn sources(path: &str) -> Result<Vec<Source>, String> {
    if path == "-" {
        let mut stdin = BufReader::with_capacity(256 << 10, std::io::stdin());
        let head = stdin.fill_buf().map_err(|e| format!("cannot read: {e}"))?.to_vec();
        if head.starts_with(ZIP) || head.starts_with(EMPTY_ZIP) {
            return Err("a zip archive cannot be read from standard input; give its file name".into());
        }
        let open: Opener = if head.starts_with(GZIP) {
            Box::new(move || Ok(gunzip(stdin)))
        } else {
            Box::new(move || Ok(Box::new(stdin) as Input))
        };
        return Ok(vec![Source {
            name: "-".into(),
            size: None,
            open,
        }]);
    }
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if meta.is_dir() {
        return Err("is a directory".into());
    }
    if meta.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "{} bytes is too large to analyze (limit {MAX_INPUT_BYTES})",
            meta.len()
        ));
    }
    let mut file = File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let mut head = [0u8; 4];
    let n = read_up_to(&mut file, &mut head).map_err(|e| format!("cannot read: {e}"))?;
    let head = &head[..n];
    file.seek(SeekFrom::Start(0)).map_err(|e| format!("cannot read: {e}"))?;
    if head.starts_with(ZIP) || head.starts_with(EMPTY_ZIP) {
        return zip_sources(path, file, meta.len());
    }
    let open: Opener = if head.starts_with(GZIP) {
        Box::new(move || Ok(gunzip(file)))
    } else {
        Box::new(move || Ok(Box::new(file) as Input))
    };
    Ok(vec![Source {
        name: path.to_string(),
        size: Some(meta.len()),
        open,
    }])
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn u16_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u16::from_le_bytes(b.get(i..i + 2)?.try_into().ok()?) as u64)
}

fn u32_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u32::from_le_bytes(b.get(i..i + 4)?.try_into().ok()?) as u64)
}

fn u64_at(b: &[u8], i: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(i..i + 8)?.try_into().ok()?))
}

/// The .har files of a zip archive, from its central directory (zip64 included),
/// each read straight from the archive (stored or deflated).
fn zip_sources(path: &str, mut file: File, len: u64) -> Result<Vec<Source>, String> {
    let bad = |what: &str| format!("not a readable zip archive ({what})");
    let io = |e: std::io::Error| format!("cannot read: {e}");
    // The end-of-central-directory record sits in the last 22 + 65,535 bytes.
    let tail_len = len.min(22 + 65_535);
    file.seek(SeekFrom::Start(len - tail_len)).map_err(io)?;
    let mut tail = vec![0u8; tail_len as usize];
    file.read_exact(&mut tail).map_err(io)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| tail[i..].starts_with(b"PK\x05\x06"))
        .ok_or_else(|| bad("no end of central directory"))?;
    let mut count = u16_at(&tail, eocd + 10).ok_or_else(|| bad("short record"))?;
    let mut cd_size = u32_at(&tail, eocd + 12).ok_or_else(|| bad("short record"))?;
    let mut cd_offset = u32_at(&tail, eocd + 16).ok_or_else(|| bad("short record"))?;
    if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        // Zip64: a locator just before the record points at the zip64 record.
        let loc = eocd.checked_sub(20).ok_or_else(|| bad("no zip64 locator"))?;
        if !tail[loc..].starts_with(b"PK\x06\x07") {
            return Err(bad("no zip64 locator"));
        }
        let at = u64_at(&tail, loc + 8).ok_or_else(|| bad("short zip64 locator"))?;
        let mut rec = [0u8; 56];
        file.seek(SeekFrom::Start(at)).map_err(io)?;
        file.read_exact(&mut rec).map_err(io)?;
        if !rec.starts_with(b"PK\x06\x06") {
            return Err(bad("bad zip64 record"));
        }
        count = u64_at(&rec, 32).unwrap_or(0);
        cd_size = u64_at(&rec, 40).unwrap_or(0);
        cd_offset = u64_at(&rec, 48).unwrap_or(0);
    }
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > len) || cd_size > 64 << 20 {
        return Err(bad("central directory out of range"));
    }
    let mut cd = vec![0u8; cd_size as usize];
    file.seek(SeekFrom::Start(cd_offset)).map_err(io)?;
    file.read_exact(&mut cd).map_err(io)?;
    let mut out = Vec::new();
    let mut i = 0usize;
    for _ in 0..count {
        if !cd.get(i..).is_some_and(|c| c.starts_with(b"PK\x01\x02")) {
            return Err(bad("broken central directory"));
        }
        let field = |o: usize| u16_at(&cd, i + o).ok_or_else(|| bad("short entry"));
        let flags = field(8)?;
        let method = field(10)?;
        let mut csize = u32_at(&cd, i + 20).ok_or_else(|| bad("short entry"))?;
        let mut usize_ = u32_at(&cd, i + 24).ok_or_else(|| bad("short entry"))?;
        let (name_len, extra_len, comment_len) = (field(28)? as usize, field(30)? as usize, field(32)? as usize);
        let mut offset = u32_at(&cd, i + 42).ok_or_else(|| bad("short entry"))?;
        let name_bytes = cd.get(i + 46..i + 46 + name_len).ok_or_else(|| bad("short name"))?;
        let name = String::from_utf8_lossy(name_bytes).into_owned();
        // Zip64 sizes and offset, for the fields that overflowed.
        let mut extra = cd.get(i + 46 + name_len..i + 46 + name_len + extra_len).unwrap_or(&[]);
        while extra.len() >= 4 {
            let id = u16_at(extra, 0).unwrap_or(0);
            let size = (u16_at(extra, 2).unwrap_or(0) as usize).min(extra.len() - 4);
            if id == 1 {
                let data = &extra[4..4 + size];
                let mut k = 0;
                for v in [&mut usize_, &mut csize, &mut offset] {
                    if *v == 0xFFFF_FFFF {
                        if let Some(x) = u64_at(data, k) {
                            *v = x;
                        }
                        k += 8;
                    }
                }
            }
            extra = &extra[4 + size..];
        }
        i += 46 + name_len + extra_len + comment_len;
        let lower = name.to_ascii_lowercase();
        if name.ends_with('/') || !(lower.ends_with(".har") || lower.ends_with(".har.gz")) {
            continue; // screenshots, videos, traces: not ours
        }
        let display = format!("{path}:{name}");
        if flags & 1 != 0 {
            return Err(format!("{name}: encrypted zip entries are not supported"));
        }
        let path = path.to_string();
        let gz = lower.ends_with(".gz");
        let open: Opener = Box::new(move || {
            let io = |e: std::io::Error| format!("cannot read: {e}");
            let mut f = File::open(&path).map_err(io)?;
            let mut local = [0u8; 30];
            f.seek(SeekFrom::Start(offset)).map_err(io)?;
            f.read_exact(&mut local).map_err(io)?;
            if !local.starts_with(ZIP) {
                return Err("not a readable zip archive (bad local header)".into());
            }
            let skip = u16_at(&local, 26).unwrap_or(0) + u16_at(&local, 28).unwrap_or(0);
            f.seek(SeekFrom::Current(skip as i64)).map_err(io)?;
            let data = f.take(csize);
            let r: Input = match method {
                0 => Box::new(data),
                8 => Box::new(Limit {
                    inner: flate2::read::DeflateDecoder::new(BufReader::with_capacity(256 << 10, data)),
                    left: MAX_DECOMPRESSED_BYTES,
                }),
                m => {
                    return Err(format!(
                        "zip compression method {m} is not supported (only stored and deflate)"
                    ))
                }
            };
            Ok(if gz { gunzip(r) } else { r })
        });
        out.push(Source {
            name: display,
            size: Some(usize_),
            open,
        });
    }
    if out.is_empty() {
        return Err("the zip archive holds no .har file".into());
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Analysis and output.

/// Inputs from this size on get a progress line on a terminal.
const PROGRESS_BYTES: u64 = 8 << 20;

fn load(src: Source, cfg: &Config) -> Result<Analysis, String> {
    // Progress goes to stderr, and only to a terminal: pipes and CI logs stay clean.
    let show = src.size.is_none_or(|s| s >= PROGRESS_BYTES) && std::io::stderr().is_terminal();
    let name = src.name.clone();
    let say = |text: &str| {
        if show {
            eprint!("\r\x1b[2K{text}");
        }
    };
    say(&format!("{name}: reading…"));
    let reader = (src.open)()?;
    let progress = |n| say(&format!("{name}: {n} entries analyzed…"));
    // Reading and analysing on two threads; `cargo test --target wasm32-…` also
    // builds this binary, and the wasm has one thread.
    #[cfg(not(target_arch = "wasm32"))]
    let result = session::analyze_threaded(reader, cfg, progress);
    #[cfg(target_arch = "wasm32")]
    let result = session::analyze(reader, cfg, progress);
    say("");
    result
}

fn counts(r: &Report) -> (usize, usize, usize) {
    let c = |s: Severity| r.findings.iter().filter(|f| f.severity == s).count();
    (c(Severity::Error), c(Severity::Warning), c(Severity::Info))
}

/// What one input gave: its analysis and merged report, or why it could not be read.
type Outcome = Result<(Analysis, Report), String>;

/// One line per input for runs over several: what it found, or why it failed.
fn summary_line(name: &str, result: &Outcome) -> String {
    match result {
        Err(e) => format!("{name}: error: {e}"),
        Ok((a, r)) => {
            let (e, w, i) = counts(r);
            let mut line = format!(
                "{name}: {} finding(s) ({e} error, {w} warning, {i} info), {} requests",
                r.findings.len(),
                r.stats.requests
            );
            if a.runs.len() > 1 {
                line.push_str(&format!(", {} pages", a.runs.len()));
            }
            if a.skipped > 0 {
                line.push_str(&format!(", {} of {} entries skipped", a.skipped, a.entries));
            }
            if a.not_replayable.is_some() {
                line.push_str(", not replayed (no events)");
            }
            line
        }
    }
}

/// Title prefixes for formats that print one merged list (HTML).
fn labelled(report: &Report) -> Report {
    let mut r = report.clone();
    for f in &mut r.findings {
        if let Some(p) = &f.page {
            f.title = format!("[{p}] {}", f.title);
        }
    }
    r
}

fn render(name: &str, a: &Analysis, report: &Report, format: Format, redact: bool, color: bool, many: bool) -> String {
    let mut out = String::new();
    let note = a.warnings.iter().find(|w| w.contains("could not be replayed"));
    match format {
        Format::Json => {
            out.push_str(&report.to_json(redact));
            out.push('\n');
        }
        Format::Markdown => {
            if let Some(n) = note {
                out.push_str(&format!("> **Note:** {n}.\n\n"));
            }
            if a.runs.len() > 1 {
                for (i, run) in a.runs.iter().enumerate() {
                    let r = Report::from_engine(&run.engine, false);
                    let label = run.label.as_deref().unwrap_or("");
                    out.push_str(&stormwatch::report::markdown::render(
                        &r,
                        &format!("{name} (page {} of {}: {label})", i + 1, a.runs.len()),
                    ));
                }
                if !a.recorded.is_empty() {
                    let mut r = report.clone();
                    r.findings = a.recorded.clone();
                    out.push_str(&stormwatch::report::markdown::render(
                        &r,
                        &format!("{name} (as recorded)"),
                    ));
                }
            } else {
                out.push_str(&stormwatch::report::markdown::render(report, name));
            }
        }
        Format::Html => {
            let mut svg = String::new();
            for run in &a.runs {
                if let Some(label) = &run.label {
                    let label = if redact {
                        stormwatch::model::redact::redact_str(label).unwrap_or_else(|| label.clone())
                    } else {
                        label.clone()
                    };
                    svg.push_str(&format!("<h3>{}</h3>", stormwatch::model::present::html(&label)));
                }
                svg.push_str(&stormwatch::report::timeline::Timeline::of(&run.engine).svg(redact));
            }
            if let Some(n) = note {
                svg.push_str(&format!("<p>{}</p>", stormwatch::model::present::html(n)));
            }
            out.push_str(&stormwatch::report::html::render(&labelled(report), &svg, name, redact));
        }
        Format::Text => {
            if many {
                out.push_str(&format!("== {name}\n"));
            }
            if let Some(n) = note {
                out.push_str(&format!("note: {n}\n"));
            }
            if a.runs.len() > 1 {
                for (i, run) in a.runs.iter().enumerate() {
                    let label = run.label.as_deref().unwrap_or("");
                    out.push_str(&format!("-- page {} of {}: {label}\n", i + 1, a.runs.len()));
                    let r = Report::from_engine(&run.engine, false);
                    out.push_str(&text::render(&r, color));
                }
                if !a.recorded.is_empty() {
                    out.push_str("-- as recorded (not replayed)\n");
                    for f in &a.recorded {
                        out.push_str(&text::finding(f, color));
                    }
                }
                let (e, w, i) = counts(report);
                out.push_str(&format!(
                    "total: {} finding(s) on {} pages: {e} error, {w} warning, {i} info\n",
                    report.findings.len(),
                    a.runs.len()
                ));
            } else {
                out.push_str(&text::render(report, color));
            }
        }
    }
    out
}

fn analyze(a: Analyze) -> Result<ExitCode, String> {
    let mut out = String::new();
    let mut failing = false;
    let mut broken = false;
    let color = a.output.is_none() && std::io::stdout().is_terminal();
    let mut results: Vec<(String, Outcome)> = Vec::new();
    // Expand every argument first, so the header of each output knows whether
    // there are several inputs.
    let mut inputs: Vec<Result<Source, (String, String)>> = Vec::new();
    for path in &a.files {
        match sources(path) {
            Ok(list) => inputs.extend(list.into_iter().map(Ok)),
            Err(e) => inputs.push(Err((path.clone(), e))),
        }
    }
    let many = inputs.len() > 1;
    for input in inputs {
        let (name, result) = match input {
            Err((name, e)) => (name, Err(e)),
            Ok(src) => {
                let name = src.name.clone();
                let r = load(src, &a.config).map(|an| {
                    let report = an.report(a.format == Format::Json);
                    (an, report)
                });
                (name, r)
            }
        };
        match &result {
            Err(e) => {
                eprintln!("stormwatch: {name}: {e}");
                broken = true;
            }
            Ok((an, report)) => {
                for p in &an.problems {
                    eprintln!("stormwatch: {name}: {p} (skipped)");
                }
                if an.skipped > an.problems.len() {
                    eprintln!(
                        "stormwatch: {name}: … and {} more unreadable entries",
                        an.skipped - an.problems.len()
                    );
                }
                if an.skipped > 0 {
                    eprintln!(
                        "stormwatch: {name}: {} of {} entries could not be read and were skipped; the rest were analyzed",
                        an.skipped, an.entries
                    );
                }
                for w in &an.warnings {
                    eprintln!("stormwatch: {name}: {w}");
                }
                failing |= report.worst().is_some_and(|w| w >= a.fail_on);
                out.push_str(&render(&name, an, report, a.format, a.redact, color, many));
            }
        }
        results.push((name, result));
    }
    if many {
        let lines: Vec<String> = results.iter().map(|(n, r)| summary_line(n, r)).collect();
        if a.format == Format::Text {
            out.push_str("== summary\n");
            for l in &lines {
                out.push_str(l);
                out.push('\n');
            }
        } else {
            for l in &lines {
                eprintln!("stormwatch: {l}");
            }
        }
    }
    match &a.output {
        Some(file) => std::fs::write(file, out).map_err(|e| format!("{file}: cannot write: {e}"))?,
        None => {
            let _ = std::io::stdout().write_all(out.as_bytes());
        }
    }
    Ok(if broken {
        ExitCode::from(2)
    } else if failing {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    match args.first().map(String::as_str) {
        Some("analyze") => analyze(parse_analyze(&args[1..])?),
        Some("explain") => {
            let id = args
                .get(1)
                .ok_or("explain needs a detector id (see `stormwatch detectors`)")?;
            let d = info(id).ok_or_else(|| format!("unknown detector {id:?} (see `stormwatch detectors`)"))?;
            println!("{}", stormwatch::detect::module_doc(d.doc));
            Ok(ExitCode::SUCCESS)
        }
        Some("detectors") => {
            for d in DETECTORS {
                println!("{:<20} {}", d.id, d.title);
            }
            Ok(ExitCode::SUCCESS)
        }
        Some("--version") | Some("-V") => {
            println!("stormwatch {}", stormwatch::VERSION);
            Ok(ExitCode::SUCCESS)
        }
        Some("--help") | Some("-h") | Some("help") => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(format!("expected a command\n\n{USAGE}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("stormwatch: {msg}");
            ExitCode::from(2)
        }
    }
}
