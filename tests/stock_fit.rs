//! Which templates fit which stocks, for real: every shipped sample in every shipped
//! language is laid out in each catalogue stock's label with each template, exactly as
//! `sheet` lays it out (1.5 mm safe area, outline per the stock, QR at 0.42 mm, EC M or
//! L). docs/stocks.md's fit table must say the same (it is checked here, so it cannot
//! drift).

mod common;
use common::samples;

use iotlabel::artwork::{EcChoice, SizeChoice, lay_out};
use iotlabel::layout::{LabelContent, LabelOptions, ModuleSize, QrModules, SizeMm, Template};
use iotlabel::sheet::Stock;

/// `stock id → templates that fit every sample in every language`, in catalogue order.
fn fit_table() -> Vec<(String, Vec<String>)> {
    let key = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/keys/demo.pem");
    let signed: Vec<_> = samples()
        .iter()
        .map(|p| {
            let opts = iotlabel::source::SourceOptions {
                key: Some(key.clone()),
                check: Some(iotlabel::declaration::CheckOptions::lenient()),
                ..Default::default()
            };
            iotlabel::source::resolve(p.to_str().unwrap(), &opts).unwrap()
        })
        .collect();
    let templates = Template::all().unwrap();
    Stock::catalogue()
        .unwrap()
        .into_iter()
        .map(|stock| {
            let fitting = templates
                .iter()
                .filter(|t| {
                    let g = stock.geometry(t.height_mm);
                    let size = SizeMm {
                        width_mm: g.label_width_mm,
                        height_mm: g.label_height_mm,
                    };
                    let opts = LabelOptions {
                        module: ModuleSize::Auto,
                        safe_mm: iotlabel::layout::SAFE_AREA_MM,
                        outline: !stock.die_cut,
                        background: true,
                        dpi: None,
                        accent: None,
                        logo: None,
                        fonts: None,
                    };
                    signed.iter().all(|s| {
                        let link = s.link().unwrap();
                        iotlabel::summary::Catalogue::languages()
                            .iter()
                            .all(|lang| {
                                let summary = s.summary(lang).unwrap();
                                lay_out(
                                    t,
                                    SizeChoice::Exact(size),
                                    &opts,
                                    EcChoice::Auto,
                                    |level| {
                                        let sym = iotlabel::qr::encode(&link, level, None)?;
                                        Ok(LabelContent::from_summary(
                                            &summary,
                                            QrModules::from_symbol(&sym),
                                            &s.short_url().unwrap(),
                                        ))
                                    },
                                )
                                .is_ok()
                            })
                    })
                })
                .map(|t| t.name.clone())
                .collect();
            (stock.id, fitting)
        })
        .collect()
}

#[test]
fn the_fit_table_in_docs_is_what_the_layout_does() {
    let table = fit_table();
    let mut expected =
        String::from("| stock | templates that fit every sample in every language |\n|---|---|\n");
    for (id, fits) in &table {
        let list = if fits.is_empty() {
            "none".to_string()
        } else {
            fits.iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        expected.push_str(&format!("| `{id}` | {list} |\n"));
    }
    let doc = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/stocks.md"),
    )
    .unwrap();
    let start = doc
        .find("<!-- fit-table -->")
        .expect("docs/stocks.md has the fit-table marker");
    let end = doc.find("<!-- /fit-table -->").expect("end marker");
    let current = doc[start + "<!-- fit-table -->".len()..end].trim_start_matches('\n');
    assert_eq!(
        current, expected,
        "docs/stocks.md's fit table is out of date; replace it with:\n{expected}"
    );
    // The small stocks that matter most hold a scannable compact label.
    for id in ["avery-5160", "avery-l7160", "avery-22805"] {
        let fits = &table.iter().find(|(s, _)| s == id).unwrap().1;
        assert!(!fits.is_empty(), "{id}: {fits:?}");
    }
}
