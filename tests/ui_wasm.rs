//! The panel UI in headless Chromium (wasm-bindgen-test): mount it, inject page
//! events the way the bridge does, and check what is drawn.
#![cfg(target_arch = "wasm32")]

use stormwatch::ui;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Lets the reactive system run and the panel's refresh timer fire.
async fn settle() {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 120);
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

fn container() -> web_sys::HtmlElement {
    let doc = web_sys::window().unwrap().document().unwrap();
    let el = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&el).unwrap();
    el.unchecked_into()
}

fn batch(seq: u64, events: &str) -> String {
    format!(
        r#"{{"v":2,"kind":"stormwatch.batch","doc":"testdoc","seq":{seq},"dropped":0,"count":null,"events":[{events}],"cost_us":0,"origin":null}}"#
    )
}

#[wasm_bindgen_test]
async fn injected_duplicates_are_drawn_with_page_strings_as_text() {
    let el = container();
    let panel = ui::mount_into(el.clone());
    // A hostile URL: it must show up as text, never become markup.
    let url = r#"http://h/api/x?q=<img src=x onerror=alert(1)>"#;
    let events = format!(
        r#"{{"type":"page","t":1000,"url":"http://h/"}},
        {{"type":"request_start","id":1,"api":"fetch","method":"GET","url":"{url}","t":1100,"body":"","keepalive":false,"range":false,"op":null}},
        {{"type":"request_start","id":2,"api":"fetch","method":"GET","url":"{url}","t":1105,"body":"","keepalive":false,"range":false,"op":null}}"#
    );
    panel.with_live(|l| l.batch("testdoc", 1, &batch(1, &events)));
    settle().await;

    let cards = el
        .query_selector_all(".finding[data-detector=\"duplicate-request\"]")
        .unwrap();
    assert_eq!(cards.length(), 1);
    let card: web_sys::Element = cards.get(0).unwrap().unchecked_into();
    assert!(card.class_name().contains("sev-warning"));
    let text = card.text_content().unwrap();
    assert!(text.contains("requested 2×"), "{text}");
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
    assert!(
        card.query_selector("img").unwrap().is_none(),
        "page strings must not become elements"
    );
    let counts = el.query_selector(".counts").unwrap().unwrap().text_content().unwrap();
    assert!(counts.starts_with("2 requests · 3 events"), "{counts}");

    // Clear empties the list.
    let clear: web_sys::HtmlElement = el.query_selector("#clear").unwrap().unwrap().unchecked_into();
    clear.click();
    settle().await;
    assert_eq!(el.query_selector_all(".finding").unwrap().length(), 0);
    assert!(el.query_selector(".empty").unwrap().is_some());
}

#[wasm_bindgen_test]
async fn a_garbage_batch_is_counted_and_the_panel_stays_up() {
    let el = container();
    let panel = ui::mount_into(el.clone());
    panel.with_live(|l| l.navigated("http://h/other"));
    panel.with_live(|l| l.navigation_settled());
    panel.with_live(|l| {
        l.batch("doc2", 1, "{\"v\":2,\"kind\":\"stormwatch.batch\",\"doc\":\"doc2\",\"seq\":1,\"dropped\":0,\"count\":1,\"events\":[{\"type\":\"request_start\"}],\"cost_us\":0,\"origin\":null}")
    });
    settle().await;
    let counts = el.query_selector(".counts").unwrap().unwrap().text_content().unwrap();
    assert!(counts.contains("1 dropped"), "{counts}");
    let notice = el.query_selector(".notice").unwrap().unwrap().text_content().unwrap();
    assert!(notice.contains("New page: http://h/other"), "{notice}");
}

/// A path word the URL templating keeps as it is (no digits), one per index.
fn word(mut i: usize) -> String {
    let mut s = String::from("zz");
    loop {
        s.push((b'a' + (i % 26) as u8) as char);
        i /= 26;
        if i == 0 {
            return s;
        }
    }
}

async fn frames() {
    for _ in 0..4 {
        settle().await;
    }
}

#[wasm_bindgen_test]
async fn hundreds_of_findings_draw_a_few_rows_and_scrolling_shows_every_one() {
    let doc = web_sys::window().unwrap().document().unwrap();
    // The panel's own stylesheet, in a box of a DevTools panel's size.
    let style = doc.create_element("style").unwrap();
    style.set_text_content(Some(include_str!("../static/panel.css")));
    doc.head().unwrap().append_child(&style).unwrap();
    let el = container();
    el.set_attribute("style", "height:600px;display:flex;flex-direction:column")
        .unwrap();
    let panel = ui::mount_into(el.clone());
    panel.with_live(|l| l.navigated("http://h/many"));
    panel.with_live(|l| l.navigation_settled());
    // 1,000 endpoints, each requested twice at once, the first answering slowly
    // with a big uncompressed JSON body: duplicate, slow and uncompressed
    // findings (3 detectors × 50), past what each detector keeps (the rest summed
    // up in one row each).
    let mut events = Vec::new();
    for i in 0..1_000usize {
        let url = format!("http://h/api/{}/thing", word(i));
        let t = 10_000 + i * 10;
        for k in 0..2 {
            events.push(format!(
                r#"{{"type":"request_start","id":{id},"api":"fetch","method":"GET","url":"{url}","t":{t},"body":"","keepalive":false,"range":false,"op":null}}"#,
                id = i * 2 + k,
                t = t + k
            ));
        }
        events.push(format!(
            r#"{{"type":"request_end","id":{id},"t":{t},"status":200,"outcome":"ok","content_type":"application/json","content_length":400000,"content_encoding":null,"cache_control":null}}"#,
            id = i * 2,
            t = t + 1_500
        ));
    }
    let text = format!(
        r#"{{"v":2,"kind":"stormwatch.batch","doc":"many","seq":1,"dropped":0,"count":null,"events":[{}],"cost_us":0,"origin":null}}"#,
        events.join(",")
    );
    panel.with_live(|l| l.batch("many", 1, &text));
    frames().await;
    let all: std::collections::BTreeSet<String> =
        panel.with_live(|l| l.engine.findings().into_iter().map(|f| f.title).collect());
    assert!(all.len() >= 150, "{} findings", all.len());
    assert!(all.iter().any(|t| t.contains("more like these not shown")), "{all:?}");
    let titles = |el: &web_sys::HtmlElement| -> Vec<String> {
        let cards = el.query_selector_all(".finding .title").unwrap();
        (0..cards.length())
            .map(|i| cards.get(i).unwrap().text_content().unwrap())
            .collect()
    };
    let first = titles(&el);
    assert!(!first.is_empty());
    assert!(
        first.len() < 100,
        "{} rows in the DOM for {} findings",
        first.len(),
        all.len()
    );
    let list: web_sys::HtmlElement = el.query_selector(".vlist").unwrap().unwrap().unchecked_into();
    assert!(
        list.scroll_height() > 20 * all.len() as i32,
        "the list is as tall as all its rows: {}",
        list.scroll_height()
    );
    // Scrolled from top to bottom, every finding is drawn at some point, never
    // more than a screenful of rows at once.
    let mut seen: std::collections::BTreeSet<String> = first.into_iter().collect();
    let step = (list.client_height() * 9 / 10).max(50);
    let mut top = 0;
    while top < list.scroll_height() {
        top += step;
        list.set_scroll_top(top);
        settle().await;
        let now = titles(&el);
        assert!(now.len() < 100, "{} rows in the DOM after scrolling", now.len());
        seen.extend(now);
    }
    let missing: Vec<&String> = all.difference(&seen).collect();
    assert!(missing.is_empty(), "never drawn: {missing:?}");
    style.remove();
}

/// Issue 16 item 6: the batch stream stays JSON text because that decodes faster
/// than the same batch as a JavaScript object read through serde-wasm-bindgen (the
/// other way the port could hand it over). Both must decode to the same batch; the
/// times are printed (`-- --nocapture`), never asserted.
#[wasm_bindgen_test]
fn a_batch_as_json_text_and_as_a_js_object_decode_alike() {
    let mut batch: serde_json::Value = serde_json::from_str(include_str!("fixtures/wire/batch.json")).unwrap();
    // 2,000 events or so: a busy page's batch.
    let events = batch["events"].as_array().unwrap().clone();
    let many: Vec<serde_json::Value> = events
        .iter()
        .cycle()
        .take(2_000 / events.len() * events.len())
        .cloned()
        .collect();
    batch["count"] = serde_json::json!(many.len());
    batch["events"] = serde_json::Value::Array(many);
    let text = batch.to_string();
    let object = js_sys::JSON::parse(&text).unwrap();

    let from_text = stormwatch::model::protocol::decode_batch(&text).unwrap();
    let from_object: stormwatch::model::protocol::Batch = serde_wasm_bindgen::from_value(object.clone()).unwrap();
    assert_eq!(from_text, from_object);
    assert!(from_text.events.len() >= 1_000, "{}", from_text.events.len());

    let perf = web_sys::window().unwrap().performance().unwrap();
    let rounds = 20;
    let t = perf.now();
    for _ in 0..rounds {
        assert!(stormwatch::model::protocol::decode_batch(&text).is_ok());
    }
    let json_ms = (perf.now() - t) / rounds as f64;
    let t = perf.now();
    for _ in 0..rounds {
        assert!(serde_wasm_bindgen::from_value::<stormwatch::model::protocol::Batch>(object.clone()).is_ok());
    }
    let swb_ms = (perf.now() - t) / rounds as f64;
    web_sys::console::log_1(
        &format!(
            "bench: a batch of {} events ({} KB of JSON) decodes in {json_ms:.2} ms from JSON text, {swb_ms:.2} ms from a JS object through serde-wasm-bindgen",
            from_text.events.len(),
            text.len() / 1024
        )
        .into(),
    );
}
