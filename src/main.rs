//! The `stormwatch` command line: the panel's engine over saved HAR files and
//! session reports, for QA reports and CI gates.
//!
//! Exit codes: 0 clean, 1 a finding at or above `--fail-on`, 2 bad input or usage.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use stormwatch::detect::{info, DETECTORS};
use stormwatch::report::{text, Report};
use stormwatch::{session, Config, Severity};

const USAGE: &str = "stormwatch: finds frontend performance anti-patterns in saved sessions and HAR files

Usage:
  stormwatch analyze FILE... [--format text|json|markdown|html] [--fail-on info|warning|error]
                             [--config stormwatch.toml] [--output FILE] [--no-redact]
  stormwatch explain DETECTOR-ID
  stormwatch detectors
  stormwatch --version

--config names a TOML (or JSON) file with thresholds per detector,
`disabled = [\"detector-id\", ...]` and `ignore = [\"URL pattern\", ...]`, the same
settings as the panel's.

--format html writes one self-contained page (findings, timeline, React components)
to attach to a ticket. JSON, Markdown and HTML output redact secret-looking values
(token, key, password, session, auth...) unless --no-redact is given.

Exit codes: 0 clean, 1 findings at or above --fail-on (default error), 2 bad input.";

/// Files larger than this are refused before reading (a HAR this big is not one).
const MAX_INPUT_BYTES: u64 = 512 << 20;

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
            s if s.starts_with('-') => return Err(format!("unknown option {s}")),
            file => a.files.push(file.to_string()),
        }
    }
    if a.files.is_empty() {
        return Err("analyze needs at least one file".into());
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

/// Files from this size on get a progress line on a terminal.
const PROGRESS_BYTES: u64 = 8 << 20;

fn load(path: &str, cfg: &Config) -> Result<stormwatch::Engine, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    if meta.len() > MAX_INPUT_BYTES {
        return Err(format!(
            "{path}: {} bytes is too large to analyze (limit {MAX_INPUT_BYTES})",
            meta.len()
        ));
    }
    // Progress goes to stderr, and only to a terminal: pipes and CI logs stay clean.
    let show = meta.len() >= PROGRESS_BYTES && std::io::stderr().is_terminal();
    let say = |text: &str| {
        if show {
            eprint!("\r\x1b[2K{text}");
        }
    };
    say(&format!("{path}: reading {} MB…", meta.len() >> 20));
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: cannot read: {e}"))?;
    let text = String::from_utf8(bytes).map_err(|_| format!("{path}: not UTF-8 text"))?;
    say(&format!("{path}: parsing…"));
    let input = session::parse(&text).map_err(|e| {
        say("");
        format!("{path}: {e}")
    })?;
    drop(text);
    let engine = session::replay_with_progress(input, cfg, |done, total| {
        say(&format!("{path}: analyzing events {done}/{total}"));
    });
    say("");
    Ok(engine)
}

fn analyze(a: Analyze) -> Result<ExitCode, String> {
    let mut out = String::new();
    let mut failing = false;
    let color = a.output.is_none() && std::io::stdout().is_terminal();
    for path in &a.files {
        let engine = load(path, &a.config)?;
        let report = Report::from_engine(&engine, a.format == Format::Json);
        failing |= report.worst().is_some_and(|w| w >= a.fail_on);
        match a.format {
            Format::Json => {
                out.push_str(&report.to_json(a.redact));
                out.push('\n');
            }
            Format::Markdown => out.push_str(&stormwatch::report::markdown::render(&report, path)),
            Format::Html => out.push_str(&stormwatch::report::html_of(&engine, path, a.redact)),
            Format::Text => {
                if a.files.len() > 1 {
                    out.push_str(&format!("== {path}\n"));
                }
                out.push_str(&text::render(&report, color));
            }
        }
    }
    match &a.output {
        Some(file) => std::fs::write(file, out).map_err(|e| format!("{file}: cannot write: {e}"))?,
        None => {
            let _ = std::io::stdout().write_all(out.as_bytes());
        }
    }
    Ok(if failing { ExitCode::from(1) } else { ExitCode::SUCCESS })
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
