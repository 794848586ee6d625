//! One time axis for a session: requests grouped by endpoint (a polling loop shows
//! as its regular ticks), long tasks, React commits and memory samples, with the
//! findings marked where they happened.
//!
//! `Timeline::of` gathers the lanes from an engine; `layout` turns the part of it
//! in view into shapes (rectangles, lines, labels, each with its tooltip). The panel
//! draws the shapes as SVG elements, the HTML report as SVG text (`svg`), so both
//! show the same picture.

use crate::engine::Engine;
use crate::model::event::Event;
use crate::model::finding::Severity;
use crate::model::present;
use std::collections::HashMap;

/// Endpoint lanes drawn; the rest share one "other requests" lane.
const MAX_ENDPOINT_LANES: usize = 12;
/// Spans kept per lane (the newest).
const MAX_SPANS: usize = 2_000;

pub const WIDTH: f64 = 800.0;
const LABEL_W: f64 = 150.0;
const LANE_H: f64 = 18.0;
const LANE_GAP: f64 = 4.0;
const AXIS_H: f64 = 18.0;
const MARKS_H: f64 = 12.0;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneKind {
    Requests,
    LongTasks,
    React,
    Memory,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    /// Milliseconds since the session start.
    pub from: f64,
    pub to: f64,
    /// Tooltip text.
    pub label: String,
    /// `ok`, `error`, `pending`, `task`, `blocking`, `react`.
    pub class: &'static str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lane {
    pub title: String,
    pub kind: LaneKind,
    pub spans: Vec<Span>,
    /// For the memory lane: (t, value, tooltip), drawn as a line scaled to the lane.
    pub points: Vec<(f64, f64, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Mark {
    pub t: f64,
    pub severity: Severity,
    pub label: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeline {
    /// The session's span, in milliseconds since its start.
    pub end: f64,
    pub lanes: Vec<Lane>,
    pub marks: Vec<Mark>,
}

/// Something to draw, in SVG user units (the view box is `WIDTH` wide).
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        class: &'static str,
        tip: String,
    },
    Line {
        points: String,
        class: &'static str,
        tip: String,
    },
    Text {
        x: f64,
        y: f64,
        text: String,
        class: &'static str,
    },
}

fn push_span(spans: &mut Vec<Span>, s: Span) {
    if spans.len() >= MAX_SPANS {
        spans.remove(0);
    }
    spans.push(s);
}

impl Timeline {
    pub fn of(engine: &Engine) -> Timeline {
        let origin = engine.origin();
        let rel = |t: f64| (t - origin).max(0.0);
        let mut end: f64 = 0.0;

        // Requests, one lane per endpoint, busiest first.
        let mut by_endpoint: HashMap<String, Vec<Span>> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for r in engine.requests() {
            let label = r.endpoint().1;
            let from = rel(r.start);
            let to = r.end.map(rel).unwrap_or(from);
            end = end.max(to);
            let failed = r.status >= 400 || matches!(r.outcome, Some(crate::model::event::Outcome::Error));
            let status = if r.status > 0 {
                format!(" {}", r.status)
            } else {
                String::new()
            };
            // A retry of a failed request says so (it is not a duplicate).
            let retry = r
                .retry
                .as_ref()
                .map(|rt| format!(" · retry {} after {}", rt.attempt, present::duration(rt.delay_ms)))
                .unwrap_or_default();
            let span = Span {
                from,
                to,
                label: format!(
                    "{}{status} · {} at {}{retry}",
                    r.label(),
                    present::duration(to - from),
                    present::at(from)
                ),
                class: if r.end.is_none() {
                    "pending"
                } else if failed {
                    "error"
                } else {
                    "ok"
                },
            };
            if !by_endpoint.contains_key(&label) {
                order.push(label.clone());
            }
            push_span(by_endpoint.entry(label).or_default(), span);
        }
        crate::model::sort::sort_by(&mut order, |a, b| {
            by_endpoint[b].len().cmp(&by_endpoint[a].len()).then(a.cmp(b))
        });
        let mut lanes: Vec<Lane> = Vec::new();
        let mut other: Vec<Span> = Vec::new();
        for (i, key) in order.iter().enumerate() {
            let spans = by_endpoint.remove(key).unwrap_or_default();
            if i < MAX_ENDPOINT_LANES {
                lanes.push(Lane {
                    title: format!("{key} ×{}", spans.len()),
                    kind: LaneKind::Requests,
                    spans,
                    points: Vec::new(),
                });
            } else {
                for s in spans {
                    push_span(&mut other, s);
                }
            }
        }
        if !other.is_empty() {
            lanes.push(Lane {
                title: format!("other requests ×{}", other.len()),
                kind: LaneKind::Requests,
                spans: other,
                points: Vec::new(),
            });
        }

        let mut tasks = Vec::new();
        let mut react = Vec::new();
        let mut heap = Vec::new();
        let mut nodes = Vec::new();
        for e in engine.events() {
            match e {
                Event::LongTask(t) => {
                    let from = rel(t.t);
                    let top = t.scripts.iter().max_by(|a, b| a.duration.total_cmp(&b.duration));
                    let what = top
                        .map(|s| {
                            let f = if s.function.is_empty() {
                                "(anonymous)"
                            } else {
                                s.function.as_str()
                            };
                            format!(": {f} in {}", crate::model::urls::short(&s.url))
                        })
                        .unwrap_or_default();
                    let blocking = t
                        .blocking
                        .map(|b| format!(", {} blocking", present::duration(b)))
                        .unwrap_or_default();
                    end = end.max(from + t.duration);
                    push_span(
                        &mut tasks,
                        Span {
                            from,
                            to: from + t.duration,
                            label: format!(
                                "long task {}{blocking}{what} at {}",
                                present::duration(t.duration),
                                present::at(from)
                            ),
                            class: if t.blocking.unwrap_or(t.duration - 50.0) >= 150.0 {
                                "blocking"
                            } else {
                                "task"
                            },
                        },
                    );
                }
                Event::ReactRenders(r) if r.commits > 0 => {
                    let from = rel(r.t);
                    let to = rel(r.t_end).max(from);
                    end = end.max(to);
                    let mut busiest: Vec<_> = r.components.iter().collect();
                    crate::model::sort::sort_by_key(&mut busiest, |c| std::cmp::Reverse(c.renders));
                    let names: Vec<String> = busiest
                        .iter()
                        .take(4)
                        .map(|c| format!("{} ×{}", c.name, c.renders))
                        .collect();
                    push_span(
                        &mut react,
                        Span {
                            from,
                            to,
                            label: format!("{} React commits: {}", r.commits, names.join(", ")),
                            class: "react",
                        },
                    );
                }
                Event::Memory(m) => {
                    let t = rel(m.t);
                    end = end.max(t);
                    if let Some(h) = m.heap {
                        heap.push((
                            t,
                            h / 1_048_576.0,
                            format!("JS heap {} at {}", present::heap(h), present::at(t)),
                        ));
                    }
                    if let Some(n) = m.nodes {
                        nodes.push((
                            t,
                            n,
                            format!("{} DOM elements at {}", present::number(n), present::at(t)),
                        ));
                    }
                }
                _ => {}
            }
        }
        if !tasks.is_empty() {
            lanes.push(Lane {
                title: format!("long tasks ×{}", tasks.len()),
                kind: LaneKind::LongTasks,
                spans: tasks,
                points: Vec::new(),
            });
        }
        if !react.is_empty() {
            lanes.push(Lane {
                title: "React commits".into(),
                kind: LaneKind::React,
                spans: react,
                points: Vec::new(),
            });
        }
        for (title, points) in [("JS heap", heap), ("DOM elements", nodes)] {
            if points.len() >= 2 {
                lanes.push(Lane {
                    title: title.into(),
                    kind: LaneKind::Memory,
                    spans: Vec::new(),
                    points,
                });
            }
        }
        let marks = engine
            .findings()
            .into_iter()
            .map(|f| Mark {
                t: f.first_ms,
                severity: f.severity,
                label: format!("{} [{}] {}", f.severity.as_str(), f.detector, f.title),
            })
            .collect::<Vec<_>>();
        for m in &marks {
            end = end.max(m.t);
        }
        Timeline { end, lanes, marks }
    }

    /// The drawing's height for its lanes.
    pub fn height(&self) -> f64 {
        AXIS_H + MARKS_H + self.lanes.len() as f64 * (LANE_H + LANE_GAP) + LANE_GAP
    }

    /// Shapes for the time range `from..to` (milliseconds since the session start).
    pub fn layout(&self, from: f64, to: f64) -> Vec<Shape> {
        let to = if to > from { to } else { from + 1000.0 };
        let plot_w = WIDTH - LABEL_W;
        let x = |t: f64| LABEL_W + ((t - from) / (to - from)).clamp(0.0, 1.0) * plot_w;
        let visible = |a: f64, b: f64| b >= from && a <= to;
        let mut shapes = Vec::new();

        // Axis: a tick at a round step, labelled in seconds.
        let span = to - from;
        let step = [
            100.0, 250.0, 500.0, 1_000.0, 2_000.0, 5_000.0, 10_000.0, 30_000.0, 60_000.0, 300_000.0, 600_000.0,
        ]
        .into_iter()
        .find(|s| span / s <= 10.0)
        .unwrap_or(1_800_000.0);
        let mut t = (from / step).ceil() * step;
        while t <= to {
            let tx = x(t);
            shapes.push(Shape::Line {
                points: format!("{tx:.1},{AXIS_H} {tx:.1},{:.1}", self.height()),
                class: "grid",
                tip: String::new(),
            });
            let label = if step < 1000.0 {
                format!("{:.2} s", t / 1000.0)
            } else {
                format!("{:.0} s", t / 1000.0)
            };
            shapes.push(Shape::Text {
                x: tx + 2.0,
                y: 12.0,
                text: label,
                class: "tick",
            });
            t += step;
        }

        for m in self.marks.iter().filter(|m| visible(m.t, m.t)) {
            shapes.push(Shape::Rect {
                x: x(m.t) - 2.0,
                y: AXIS_H,
                w: 4.0,
                h: MARKS_H - 2.0,
                class: match m.severity {
                    Severity::Error => "mark-error",
                    Severity::Warning => "mark-warning",
                    Severity::Info => "mark-info",
                },
                tip: m.label.clone(),
            });
        }

        for (i, lane) in self.lanes.iter().enumerate() {
            let y = AXIS_H + MARKS_H + LANE_GAP + i as f64 * (LANE_H + LANE_GAP);
            // A long endpoint is clipped in the middle of its name, never its count.
            let text = match lane.title.rsplit_once(" ×") {
                Some((name, n)) => format!("{} ×{n}", clip(name, 22)),
                None => clip(&lane.title, 26),
            };
            shapes.push(Shape::Text {
                x: 4.0,
                y: y + LANE_H - 5.0,
                text,
                class: "lane",
            });
            // Spans that would overlap on screen become one rectangle ("12 more"), so
            // a flood draws at most a rectangle per pixel column.
            let mut merged: Vec<(f64, f64, &'static str, String, usize)> = Vec::new();
            for s in lane.spans.iter().filter(|s| visible(s.from, s.to)) {
                let (a, b) = (x(s.from), x(s.to).max(x(s.from) + 1.5));
                match merged.last_mut() {
                    Some(m) if m.2 == s.class && a <= m.1 + 0.5 => {
                        m.1 = m.1.max(b);
                        m.4 += 1;
                    }
                    _ => merged.push((a, b, s.class, s.label.clone(), 1)),
                }
            }
            for (a, b, class, tip, n) in merged {
                let tip = if n > 1 {
                    format!("{tip} (and {} more here)", n - 1)
                } else {
                    tip
                };
                shapes.push(Shape::Rect {
                    x: a,
                    y: y + 2.0,
                    w: b - a,
                    h: LANE_H - 4.0,
                    class,
                    tip,
                });
            }
            if !lane.points.is_empty() {
                let (lo, hi) = lane
                    .points
                    .iter()
                    .fold((f64::MAX, f64::MIN), |(lo, hi), p| (lo.min(p.1), hi.max(p.1)));
                let scale = if hi > lo { hi - lo } else { 1.0 };
                let pts: Vec<String> = lane
                    .points
                    .iter()
                    .filter(|p| visible(p.0, p.0))
                    .map(|p| {
                        format!(
                            "{:.1},{:.1}",
                            x(p.0),
                            y + LANE_H - 2.0 - (p.1 - lo) / scale * (LANE_H - 4.0)
                        )
                    })
                    .collect();
                if pts.len() >= 2 {
                    let last = lane.points.last().map(|p| p.2.clone()).unwrap_or_default();
                    shapes.push(Shape::Line {
                        points: pts.join(" "),
                        class: "memory",
                        tip: format!("{}: {} … {}", lane.title, lane.points[0].2, last),
                    });
                }
            }
        }
        shapes
    }

    /// The whole timeline as standalone SVG text, every string escaped and, with
    /// `redact`, secret-looking values replaced (the HTML report).
    pub fn svg(&self, redact: bool) -> String {
        let text = |s: &str| {
            let s = if redact {
                crate::model::redact::redact_str(s).unwrap_or_else(|| s.to_string())
            } else {
                s.to_string()
            };
            present::html(&s)
        };
        let shapes = self.layout(0.0, self.end.max(1000.0));
        let mut out = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"timeline\" viewBox=\"0 0 {WIDTH} {:.0}\" role=\"img\">",
            self.height()
        );
        for s in shapes {
            match s {
                Shape::Rect { x, y, w, h, class, tip } => out.push_str(&format!(
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" class=\"{class}\"><title>{}</title></rect>",
                    text(&tip)
                )),
                Shape::Line { points, class, tip } => out.push_str(&format!(
                    "<polyline points=\"{points}\" class=\"{class}\"><title>{}</title></polyline>",
                    text(&tip)
                )),
                Shape::Text { x, y, text: t, class } => {
                    out.push_str(&format!("<text x=\"{x:.1}\" y=\"{y:.1}\" class=\"{class}\">{}</text>", text(&t)))
                }
            }
        }
        out.push_str("</svg>");
        out
    }
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::testkit::Kit;
    use crate::model::event::{LongTask, MemorySample, PageInfo};

    fn session() -> Kit {
        let mut k = Kit::new();
        k.engine.ingest(Event::Page(PageInfo {
            t: 0.0,
            url: "http://h/".into(),
        }));
        for i in 0..6 {
            let t = 1000.0 + i as f64 * 1000.0;
            k.start(i, "GET", &format!("http://h/api/status?job={i}"), t);
            k.end(i, t + 20.0);
        }
        k.start(100, "GET", "http://h/api/<b>profile</b>", 500.0);
        k.engine.ingest(Event::LongTask(LongTask {
            t: 2500.0,
            duration: 210.0,
            blocking: Some(160.0),
            forced_layout: 0.0,
            scripts: vec![],
        }));
        for i in 0..4 {
            k.engine.ingest(Event::Memory(MemorySample {
                t: i as f64 * 2000.0,
                heap: Some(10_485_760.0 * (1.0 + i as f64)),
                nodes: Some(100.0),
                intervals: None,
                connections: None,
            }));
        }
        k
    }

    #[test]
    fn lanes_group_requests_by_endpoint_busiest_first() {
        let k = session();
        let tl = Timeline::of(&k.engine);
        let titles: Vec<&str> = tl.lanes.iter().map(|l| l.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "GET /api/status?job={id} ×6",
                "GET /api/<b>profile</b> ×1",
                "long tasks ×1",
                "JS heap",
                "DOM elements"
            ]
        );
        assert_eq!(tl.lanes[0].spans.len(), 6);
        assert_eq!(tl.lanes[1].spans[0].class, "pending");
        assert_eq!(tl.lanes[2].spans[0].class, "blocking");
        assert!(tl.end >= 6020.0);
    }

    #[test]
    fn layout_keeps_what_is_in_view_and_the_svg_escapes_page_text() {
        let k = session();
        let tl = Timeline::of(&k.engine);
        let all = tl.layout(0.0, tl.end);
        let zoomed = tl.layout(900.0, 1100.0);
        let rects = |s: &[Shape]| {
            s.iter()
                .filter(|s| matches!(s, Shape::Rect { class: "ok", .. }))
                .count()
        };
        assert_eq!(rects(&all), 6);
        assert_eq!(rects(&zoomed), 1);
        let svg = tl.svg(true);
        assert!(svg.starts_with("<svg "));
        assert!(!svg.contains("<b>"), "page text is escaped");
        assert!(svg.contains("&lt;b&gt;profile&lt;/b&gt;"));
    }
}
