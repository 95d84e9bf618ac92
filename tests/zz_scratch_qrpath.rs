#[test]
fn scratch() {
    use iotlabel::layout::QrModules;
    for dark in [vec![true, false, false, true], vec![false, true, true, false]] {
        let m = QrModules { width: 2, dark };
        eprintln!("{}", iotlabel::render::svg::qr_path(&m));
    }
}
