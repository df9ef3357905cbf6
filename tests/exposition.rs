//! Conformance of the exposition parser: one test per case that the `prometheus-parse` 0.2.5
//! crate gets wrong (or right, and must stay right), recorded model-server outputs with their
//! concrete values, diagnostics for bad lines, and truncation at every byte.
//! Fixture provenance: `tests/fixtures/exposition/README.md`.

use std::path::Path;

use modeldeck::backends::serving::exposition::{Exposition, Flavor, Kind, Sample, parse, parse_with};

const FIXTURES: [&str; 8] = [
    "mlserver_1_7_1.txt",
    "prometheus_client_openmetrics.txt",
    "prometheus_client_text.txt",
    "dcgm_exporter.txt",
    "triton_gpu.txt",
    "vllm.txt",
    "vectors.txt",
    "openmetrics_types.txt",
];

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/exposition").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Parses and insists on a clean result.
fn clean(text: &str) -> Exposition {
    let exp = parse(text);
    assert!(exp.diagnostics.is_empty(), "{:#?}", exp.diagnostics);
    exp
}

fn only_sample(exp: &Exposition) -> &Sample {
    let samples: Vec<_> = exp.samples().collect();
    assert_eq!(samples.len(), 1, "{exp:#?}");
    samples[0]
}

fn labels(sample: &Sample) -> Vec<(&str, &str)> {
    sample.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

fn family_names(exp: &Exposition) -> Vec<(&str, Kind)> {
    exp.families.iter().map(|f| (f.name.as_str(), f.kind)).collect()
}

fn sample_names<'a>(exp: &'a Exposition, family: &str) -> Vec<&'a str> {
    exp.family(family).unwrap_or_else(|| panic!("no family {family}")).samples.iter().map(|s| s.name.as_str()).collect()
}

// ---------------------------------------------------------------------------------------
// The prometheus-parse 0.2.5 failure table, row by row

#[test]
fn colon_names_keep_sample_help_and_type() {
    let exp = clean(
        "# HELP vllm:num_requests_running Number of requests.\n# TYPE vllm:num_requests_running gauge\n\
         vllm:num_requests_running{engine=\"0\"} 3.0\njob:foo:rate5m 0.25\n",
    );
    let family = exp.family("vllm:num_requests_running").unwrap();
    assert_eq!((family.kind, family.help.as_deref()), (Kind::Gauge, Some("Number of requests.")));
    assert_eq!(exp.value("vllm:num_requests_running", &[("engine", "0")]), Some(3.0));
    assert_eq!(exp.value("job:foo:rate5m", &[]), Some(0.25));
    assert_eq!(exp.family("job:foo:rate5m").unwrap().kind, Kind::Untyped);
}

#[test]
fn comma_in_label_value_keeps_value_and_following_labels() {
    let exp = clean("m{q=\"a,b\",next=\"n\"} 1\n");
    assert_eq!(labels(only_sample(&exp)), [("q", "a,b"), ("next", "n")]);
}

#[test]
fn equals_in_label_value_keeps_the_label() {
    let exp = clean("m{e=\"x=y\",f=\"==\"} 1\n");
    assert_eq!(labels(only_sample(&exp)), [("e", "x=y"), ("f", "==")]);
}

#[test]
fn closing_brace_in_label_value_keeps_the_sample() {
    let exp = clean("m{br=\"{x}\"} 1\nn{note=\"a}b\"} 2\n");
    assert_eq!(exp.value("m", &[("br", "{x}")]), Some(1.0));
    assert_eq!(exp.value("n", &[("note", "a}b")]), Some(2.0));
}

#[test]
fn label_value_escapes_are_unescaped() {
    let exp = clean(
        "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n\
         say{msg=\"say \\\"hi, there\\\"\"} 1\n",
    );
    let file = exp.family("msdos_file_access_time_seconds").unwrap();
    assert_eq!(labels(&file.samples[0]), [("path", r"C:\DIR\FILE.TXT"), ("error", "Cannot find file:\n\"FILE.TXT\"")]);
    assert_eq!(file.samples[0].value, 1_458_255_915.0);
    assert_eq!(exp.value("say", &[("msg", "say \"hi, there\"")]), Some(1.0));
}

#[test]
fn blanks_around_labels_are_not_part_of_names() {
    let exp = clean("DCGM_FI_DEV_GPU_UTIL{gpu=\"0\", host=\"node-1\"} 87\nm { a = \"1\" ,\tb=\"2\" , } 3\n");
    assert_eq!(exp.value("DCGM_FI_DEV_GPU_UTIL", &[("host", "node-1")]), Some(87.0));
    assert_eq!(exp.value("m", &[("a", "1"), ("b", "2")]), Some(3.0));
}

#[test]
fn empty_label_set_and_trailing_comma() {
    let exp = clean("up{} 1\nm{q=\"a,b\",e=\"x=y\",br=\"{x}\",}  2\n");
    assert!(exp.family("up").unwrap().samples[0].labels.is_empty());
    assert_eq!(exp.value("up", &[]), Some(1.0));
    assert_eq!(labels(&exp.family("m").unwrap().samples[0]), [("q", "a,b"), ("e", "x=y"), ("br", "{x}")]);
}

#[test]
fn quoted_utf8_names_in_text_format_1_0_0() {
    let exp = clean(
        "# HELP \"my.dotted.metric\" Dotted.\n# TYPE \"my.dotted.metric\" gauge\n\
         {\"my.dotted.metric\", \"error.message\"=\"Not Found\"} 1\n",
    );
    let family = exp.family("my.dotted.metric").unwrap();
    assert_eq!((family.kind, family.help.as_deref()), (Kind::Gauge, Some("Dotted.")));
    assert_eq!(exp.value("my.dotted.metric", &[("error.message", "Not Found")]), Some(1.0));
}

const HISTOGRAM: &str = "# TYPE lat histogram\nlat_sum{m=\"a\"} 0.5\nlat_bucket{m=\"a\",le=\"0.1\"} 1\n\
    lat_bucket{m=\"a\",le=\"+Inf\"} 2\nlat_count{m=\"a\"} 2\nlat_bucket{m=\"b\",le=\"+Inf\"} 0\n\
    lat_count{m=\"b\"} 0\nlat_sum{m=\"b\"} 0\n";

#[test]
fn histogram_sum_and_count_stay_in_the_family_in_file_order() {
    let exp = clean(HISTOGRAM);
    assert_eq!(family_names(&exp), [("lat", Kind::Histogram)]);
    let expected = ["lat_sum", "lat_bucket", "lat_bucket", "lat_count", "lat_bucket", "lat_count", "lat_sum"];
    assert_eq!(sample_names(&exp, "lat"), expected);
    assert_eq!(exp.value("lat_bucket", &[("m", "a"), ("le", "+Inf")]), Some(2.0));
    assert_eq!(exp.value("lat_sum", &[("m", "a")]), Some(0.5));
    // Deterministic: the same text gives the same result, every time.
    assert_eq!(parse(HISTOGRAM), exp);
}

#[test]
fn summary_quantiles_sum_and_count_stay_in_the_family() {
    let exp = clean(
        "# TYPE rpc summary\nrpc{quantile=\"0.5\"} 4\nrpc{quantile=\"0.99\"} NaN\nrpc_sum 17\nrpc_count 5\n\
         # TYPE next gauge\nnext 1\n",
    );
    assert_eq!(family_names(&exp), [("rpc", Kind::Summary), ("next", Kind::Gauge)]);
    assert_eq!(sample_names(&exp, "rpc"), ["rpc", "rpc", "rpc_sum", "rpc_count"]);
    assert!(exp.value("rpc", &[("quantile", "0.99")]).unwrap().is_nan());
}

#[test]
fn special_and_exponent_values() {
    let exp = clean("a NaN\nb +Inf\nc -Inf\nd 1e-3\ne 1.458255915e9\nf -0.5\ng Inf\nh{le=\"+Inf\"} 4\n");
    assert!(exp.value("a", &[]).unwrap().is_nan());
    assert_eq!(exp.value("b", &[]), Some(f64::INFINITY));
    assert_eq!(exp.value("c", &[]), Some(f64::NEG_INFINITY));
    assert_eq!(exp.value("d", &[]), Some(0.001));
    assert_eq!(exp.value("e", &[]), Some(1_458_255_915.0));
    assert_eq!(exp.value("f", &[]), Some(-0.5));
    assert_eq!(exp.value("g", &[]), Some(f64::INFINITY));
    assert_eq!(exp.value("h", &[("le", "+Inf")]), Some(4.0));
}

#[test]
fn text_timestamps_are_milliseconds_and_may_be_negative() {
    let exp = clean("a 1 1395066363000\nsomething_weird{problem=\"division by zero\"} +Inf -3982045\nb 2\n");
    let ts: Vec<_> = exp.samples().map(|s| s.timestamp_ms).collect();
    assert_eq!(ts, [Some(1_395_066_363_000), Some(-3_982_045), None]);
}

#[test]
fn openmetrics_timestamps_are_float_or_integer_seconds() {
    let exp = clean("a 1 1700000000.5\nb 2 1700000000\nc 3 1520879607.789\nd 4\n# EOF\n");
    let ts: Vec<_> = exp.samples().map(|s| s.timestamp_ms).collect();
    assert_eq!(ts, [Some(1_700_000_000_500), Some(1_700_000_000_000), Some(1_520_879_607_789), None]);
    // Not "now", not January 1970.
    let forced = parse_with("a 1 1700000000\n", Flavor::OpenMetrics);
    assert_eq!(forced.samples().next().unwrap().timestamp_ms, Some(1_700_000_000_000));
}

#[test]
fn openmetrics_counter_is_typed_without_total() {
    let exp = clean("# TYPE c counter\nc_total{a=\"1\"} 5\nc_created{a=\"1\"} 1700000000\n# EOF\n");
    assert_eq!(family_names(&exp), [("c", Kind::Counter)]);
    assert_eq!(sample_names(&exp, "c"), ["c_total", "c_created"]);
    assert_eq!(exp.value("c_total", &[("a", "1")]), Some(5.0));
}

#[test]
fn unit_and_openmetrics_only_types() {
    let exp = clean(&fixture("openmetrics_types.txt"));
    assert_eq!(exp.flavor, Flavor::OpenMetrics);
    let expected = [
        ("train_steps", Kind::Counter),
        ("build", Kind::Info),
        ("model_state", Kind::StateSet),
        ("queue_depth", Kind::GaugeHistogram),
        ("inference_seconds", Kind::Summary),
        ("feature_drift", Kind::Unknown),
    ];
    assert_eq!(family_names(&exp), expected);
    let steps = exp.family("train_steps").unwrap();
    assert_eq!(steps.unit.as_deref(), Some("steps"));
    assert_eq!(steps.help.as_deref(), Some("Optimizer steps taken, with a \"quoted\" word and a \\ backslash."));
    assert_eq!(steps.samples[0].timestamp_ms, Some(1_700_000_000_500));
    assert_eq!(exp.value("train_steps_created", &[("job", "trainer")]), Some(1_700_000_000.0));
    assert_eq!(exp.family("inference_seconds").unwrap().unit.as_deref(), Some("seconds"));
    assert_eq!(sample_names(&exp, "build"), ["build_info"]);
    assert_eq!(exp.value("build_info", &[("version", "1.7.1")]), Some(1.0));
    assert_eq!(exp.value("model_state", &[("model_state", "loading")]), Some(0.0));
    assert_eq!(
        sample_names(&exp, "queue_depth"),
        ["queue_depth_bucket", "queue_depth_bucket", "queue_depth_gcount", "queue_depth_gsum"]
    );
    assert_eq!(exp.value("inference_seconds_created", &[]), Some(1_520_430_000.123));
    assert_eq!(exp.family("feature_drift").unwrap().samples[0].timestamp_ms, Some(1_520_879_607_789));
}

#[test]
fn exemplars_do_not_corrupt_value_or_timestamp() {
    let exp = clean(
        "# TYPE lat histogram\nlat_bucket{le=\"0.1\"} 1.0 # {trace_id=\"abc123\"} 0.05 1795608701.5588262\n\
         lat_bucket{le=\"+Inf\"} 2 1700000000 # {trace_id=\"d\"} 9\n# EOF\n",
    );
    let samples = &exp.family("lat").unwrap().samples;
    assert_eq!((samples[0].value, samples[0].timestamp_ms), (1.0, None));
    assert_eq!((samples[1].value, samples[1].timestamp_ms), (2.0, Some(1_700_000_000_000)));
    // Tolerated in the text format too.
    assert_eq!(clean("a 3 # {x=\"y\"} 1\n").value("a", &[]), Some(3.0));
}

#[test]
fn eof_ends_openmetrics_and_is_a_comment_in_text() {
    let exp = parse("a 1\n# EOF\nb 2\n");
    assert_eq!((exp.value("a", &[]), exp.value("b", &[])), (Some(1.0), None));
    assert_eq!(exp.diagnostics.len(), 1);
    assert_eq!(exp.diagnostics[0].line, 3);
    let text = parse_with("a 1\n# EOF\nb 2\n", Flavor::Text);
    assert_eq!((text.value("b", &[]), text.diagnostics.len()), (Some(2.0), 0));
    let missing = parse_with("a 1\nb 2\n", Flavor::OpenMetrics);
    assert_eq!((missing.samples().count(), missing.diagnostics.len()), (2, 1));
    assert!(missing.diagnostics[0].message.contains("EOF"), "{:?}", missing.diagnostics);
}

#[test]
fn help_without_text_and_help_escapes() {
    let exp = clean("# HELP x\n# HELP y Line one\\nback\\\\slash \\\"kept\\\"\nx 1\ny 2\n");
    assert_eq!(exp.family("x").unwrap().help.as_deref(), Some(""));
    assert_eq!(exp.family("y").unwrap().help.as_deref(), Some("Line one\nback\\slash \\\"kept\\\""));
}

#[test]
fn created_gauges_are_their_own_family_in_text() {
    let exp = clean(&fixture("prometheus_client_text.txt"));
    let expected = [
        ("requests_total", Kind::Counter),
        ("requests_created", Kind::Gauge),
        ("lat_seconds", Kind::Histogram),
        ("lat_seconds_created", Kind::Gauge),
    ];
    assert_eq!(family_names(&exp), expected);
    assert_eq!(exp.value("requests_total", &[("code", "200")]), Some(3.0));
    assert_eq!(exp.value("requests_created", &[("code", "200")]), Some(1_795_608_701.558_618));
    assert_eq!(sample_names(&exp, "lat_seconds").len(), 5);
}

// ---------------------------------------------------------------------------------------
// Recorded outputs

#[test]
fn mlserver_metrics() {
    let exp = clean(&fixture("mlserver_1_7_1.txt"));
    let success = |version| exp.value("model_infer_request_success_total", &[("model", "iris"), ("version", version)]);
    assert_eq!(
        (success("v2"), success("v1"), success("None"), success("v9")),
        (Some(2.0), Some(21.0), Some(1.0), None)
    );
    let failure = |version| exp.value("model_infer_request_failure_total", &[("model", "iris"), ("version", version)]);
    assert_eq!((failure("v2"), failure("v1"), failure("v9")), (Some(2.0), Some(0.0), Some(1.0)));
    // The duration summary has no quantiles: only _count and _sum, and not for every version.
    let duration = exp.family("model_infer_request_duration").unwrap();
    assert_eq!(duration.kind, Kind::Summary);
    assert_eq!(duration.help.as_deref(), Some("Model infer request duration"));
    assert_eq!(duration.samples.len(), 6);
    assert!(duration.samples.iter().all(|s| s.label("quantile").is_none()));
    let v1 = [("model", "iris"), ("version", "v1")];
    assert_eq!(exp.value("model_infer_request_duration_sum", &v1), Some(0.06926337599952603));
    assert_eq!(exp.value("model_infer_request_duration_sum", &[("version", "None")]), None);
    assert_eq!(
        sample_names(&exp, "parallel_request_queue"),
        ["parallel_request_queue_sum", "parallel_request_queue_count"]
    );
    let route = "/v2/models/{model_name}/versions/{model_version}/infer";
    assert_eq!(exp.value("rest_server_requests_total", &[("path", route), ("status_code", "200")]), Some(22.0));
    let bucket = &exp.family("rest_server_request_duration_seconds").unwrap().samples[0];
    assert_eq!(bucket.label("le"), Some("0.005"));
    assert_eq!(exp.value("rest_server_requests_in_progress", &[("app_name", "mlserver")]), Some(0.0));
    let names: Vec<_> = exp.families.iter().map(|f| f.name.as_str()).collect();
    let expected = "model_infer_request_duration parallel_request_queue rest_server_request_duration_seconds \
        rest_server_requests_total model_infer_request_failure_total model_infer_request_success_total \
        grpc_server_handled_total rest_server_requests_in_progress";
    assert_eq!(names, expected.split_whitespace().collect::<Vec<_>>());
}

#[test]
fn prometheus_client_openmetrics() {
    let exp = clean(&fixture("prometheus_client_openmetrics.txt"));
    assert_eq!(exp.flavor, Flavor::OpenMetrics);
    assert_eq!(family_names(&exp), [("requests", Kind::Counter), ("lat_seconds", Kind::Histogram)]);
    assert_eq!(exp.value("requests_total", &[("code", "200")]), Some(3.0));
    assert_eq!(exp.value("requests_created", &[("code", "200")]), Some(1_795_608_701.558_618));
    let names = [
        "lat_seconds_bucket",
        "lat_seconds_bucket",
        "lat_seconds_bucket",
        "lat_seconds_count",
        "lat_seconds_sum",
        "lat_seconds_created",
    ];
    assert_eq!(sample_names(&exp, "lat_seconds"), names);
    assert_eq!(exp.value("lat_seconds_bucket", &[("le", "0.1")]), Some(1.0));
    assert_eq!(exp.value("lat_seconds_sum", &[]), Some(0.05));
    assert!(exp.samples().all(|s| s.timestamp_ms.is_none()));
    insta::assert_debug_snapshot!("prometheus_client_openmetrics", exp);
}

#[test]
fn dcgm_exporter() {
    let exp = clean(&fixture("dcgm_exporter.txt"));
    assert_eq!(exp.families.len(), 7);
    assert!(exp.families.iter().all(|f| f.kind == Kind::Gauge && f.samples.len() == 1));
    let util = &exp.family("DCGM_FI_DEV_GPU_UTIL").unwrap().samples[0];
    assert_eq!(util.value, 87.0);
    let keys: Vec<_> = util.labels.iter().map(|(k, _)| k.as_str()).collect();
    let expected = "gpu UUID pci_bus_id device modelName Hostname DCGM_FI_DRIVER_VERSION container namespace pod";
    assert_eq!(keys, expected.split(' ').collect::<Vec<_>>());
    assert_eq!(util.label("modelName"), Some("NVIDIA H100 80GB HBM3"));
    let pod = [("pod", "vllm-llama-7b-6d9f8c7b5-x2k4p"), ("gpu", "0")];
    assert_eq!(exp.value("DCGM_FI_DEV_POWER_USAGE", &pod), Some(412.307));
    assert_eq!(exp.value("DCGM_FI_DEV_FB_USED", &pod), Some(74102.0));
    assert_eq!(exp.value("DCGM_FI_PROF_GR_ENGINE_ACTIVE", &pod), Some(0.853412));
    assert_eq!(exp.family("DCGM_FI_DEV_FB_FREE").unwrap().help.as_deref(), Some("Framebuffer memory free (in MiB)."));
}

#[test]
fn triton_gpu() {
    let exp = clean(&fixture("triton_gpu.txt"));
    let uuid = [("gpu_uuid", "GPU-5f4c2a1e-9b7d-4c3a-8e21-0d6b1f2a3c4d")];
    assert_eq!(exp.value("nv_gpu_utilization", &uuid), Some(0.87));
    assert_eq!(exp.value("nv_gpu_memory_used_bytes", &uuid), Some(77_702_184_960.0));
    assert_eq!(exp.family("nv_gpu_utilization").unwrap().help.as_deref(), Some("GPU utilization rate [0.0 - 1.0)"));
}

#[test]
fn vllm_metrics() {
    let exp = clean(&fixture("vllm.txt"));
    let model = ("model_name", "meta-llama/Llama-3.1-8B");
    assert_eq!(exp.value("vllm:num_requests_running", &[model, ("engine", "0")]), Some(3.0));
    assert_eq!(exp.value("vllm:kv_cache_usage_perc", &[model]), Some(0.4521));
    assert_eq!(exp.value("vllm:request_success_total", &[("finished_reason", "length")]), Some(12.0));
    assert_eq!(exp.family("vllm:generation_tokens_total").unwrap().kind, Kind::Counter);
    // A histogram whose base name ends in _total keeps its buckets.
    let tokens = exp.family("vllm:iteration_tokens_total").unwrap();
    assert_eq!(tokens.kind, Kind::Histogram);
    assert_eq!(tokens.samples.len(), 5);
    assert_eq!(exp.value("vllm:iteration_tokens_total_bucket", &[("le", "8192.0")]), Some(3016.0));
    assert_eq!(sample_names(&exp, "vllm:e2e_request_latency_seconds").len(), 7);
    assert_eq!(exp.value("vllm:engine_sleep_state", &[("sleep_state", "awake")]), Some(1.0));
    assert_eq!(exp.families.len(), 10);
}

#[test]
fn test_vectors() {
    let exp = clean(&fixture("vectors.txt"));
    assert_eq!(exp.samples().count(), 6);
    assert_eq!(exp.value("nv_inference_request_failure", &[("reason", "BACKEND")]), Some(0.0));
    assert_eq!(exp.value("DCGM_FI_DEV_GPU_UTIL", &[("pod", ""), ("modelName", "NVIDIA H100 80GB HBM3")]), Some(87.0));
    assert_eq!(exp.value("m", &[("q", "a,b"), ("e", "x=y"), ("br", "{x}")]), Some(2.0));
    let weird = &exp.family("something_weird").unwrap().samples[0];
    assert_eq!((weird.value, weird.timestamp_ms), (f64::INFINITY, Some(-3_982_045)));
    assert_eq!(exp.value("msdos_file_access_time_seconds", &[("path", r"C:\DIR\FILE.TXT")]), Some(1_458_255_915.0));
}

// ---------------------------------------------------------------------------------------
// Diagnostics and robustness

#[test]
fn bad_lines_become_diagnostics_and_the_rest_parses() {
    let text = "a 1\nb{x=1} 2\nc{y=\"unterminated} 3\nd notanumber\ne 4 1.5\nf 5 6 7\n9bad 1\n\
        # TYPE g bogus\n# TYPE h gauge\n# TYPE h counter\nh 8\n# TYPE h_late gauge\ng2{\"q\"=\"v\" 1\n\
        {a=\"b\"} 1\ni\n# HELP\nz 9\n";
    let exp = parse(text);
    let lines: Vec<_> = exp.diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 10, 13, 14, 15, 16], "{:#?}", exp.diagnostics);
    let values: Vec<_> = exp.samples().map(|s| (s.name.as_str(), s.value)).collect();
    assert_eq!(values, [("a", 1.0), ("h", 8.0), ("z", 9.0)]);
    assert_eq!(exp.family("h").unwrap().kind, Kind::Gauge);
    assert!(exp.diagnostics[3].message.contains("milliseconds"), "{:?}", exp.diagnostics[3]);
}

#[test]
fn type_after_samples_is_reported_and_ignored() {
    let exp = parse("x 1\n# TYPE x counter\nx 2\n");
    assert_eq!(exp.family("x").unwrap().kind, Kind::Untyped);
    assert_eq!(exp.family("x").unwrap().samples.len(), 2);
    assert_eq!(exp.diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), [2]);
}

#[test]
fn crlf_blank_lines_and_comments_are_tolerated() {
    let exp = clean("# a comment\r\n\r\n  \t\n# TYPE a gauge\r\n  a{b=\"c\"}\t 1 \r\n#\n");
    assert_eq!(exp.value("a", &[("b", "c")]), Some(1.0));
}

#[test]
fn value_lookup_needs_the_exact_sample_name_and_all_pairs() {
    let exp = clean(HISTOGRAM);
    assert_eq!(exp.value("lat", &[]), None);
    assert_eq!(exp.value("lat_count", &[("m", "a"), ("le", "+Inf")]), None);
    assert_eq!(exp.value("lat_count", &[]), Some(2.0));
    assert_eq!(exp.family("lat_count"), None);
}

#[test]
fn every_prefix_of_every_fixture_parses() {
    for name in FIXTURES {
        let text = fixture(name);
        let bytes = text.as_bytes();
        let text_format = parse(&text).flavor == Flavor::Text;
        for cut in 0..=bytes.len() {
            let prefix = String::from_utf8_lossy(&bytes[..cut]);
            let exp = parse(&prefix);
            parse_with(&prefix, Flavor::OpenMetrics);
            parse_with(&prefix, Flavor::Text);
            // Cut at a line end, the text reading loses nothing: one sample per sample line.
            if text_format && cut > 0 && bytes[cut - 1] == b'\n' {
                let sample_lines = prefix.lines().filter(|l| !l.is_empty() && !l.starts_with('#')).count();
                assert!(exp.diagnostics.is_empty(), "{name} cut at {cut}: {:?}", exp.diagnostics);
                assert_eq!(exp.samples().count(), sample_lines, "{name} cut at {cut}");
            }
        }
    }
}

#[test]
fn hostile_inputs_do_not_panic() {
    let inputs = [
        "",
        "{",
        "}",
        "\"",
        "\\",
        "#",
        "# ",
        "# TYPE",
        "# HELP \"",
        "# TYPE x",
        "# UNIT x",
        "a{",
        "a{b",
        "a{b=",
        "a{b=\"",
        "a{b=\"\\",
        "a{b=\"é\\",
        "{\"",
        "{\"é\"",
        "{\"n\",",
        "a{}é",
        "é 1",
        "a é",
        "a 1 é",
        "a 1 1 é",
        "a 1e999999",
        "a 1 99999999999999999999",
        "a 1 -1e300",
        "\u{0}",
        "a{b=\"\u{0}\"} 1\n# EOF",
        "\r\r\n",
    ];
    for input in inputs {
        for flavor in [Flavor::Text, Flavor::OpenMetrics] {
            let exp = parse_with(input, flavor);
            assert!(exp.samples().all(|s| !s.name.is_empty()), "{input:?}");
        }
    }
    assert_eq!(parse("a 1e999999\n").value("a", &[]), Some(f64::INFINITY));
}

#[test]
fn empty_quoted_names_are_rejected() {
    // Found by the `exposition` fuzz target: `# TYPE "" …` made a family without a name.
    let exp = parse("# TYPE \"\" gauge\n# HELP \"\" x\n{\"\"} 1\na{\"\"=\"x\"} 2\nb 3\n");
    assert_eq!(family_names(&exp), [("b", Kind::Untyped)]);
    assert_eq!(exp.diagnostics.iter().map(|d| d.line).collect::<Vec<_>>(), [1, 2, 3, 4]);
}
