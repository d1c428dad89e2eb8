"""The printed QR code scans back to the credential's verification URL."""

from __future__ import annotations

import pypdfium2
import zxingcpp
from laurel_printing.jobs import render_credentials


def _scan_pages(pdf_path, scale: float) -> list[list[str]]:
    document = pypdfium2.PdfDocument(str(pdf_path))
    try:
        results = []
        for page in document:
            image = page.render(scale=scale).to_pil()
            barcodes = zxingcpp.read_barcodes(
                image, formats=zxingcpp.BarcodeFormat.QRCode
            )
            results.append([barcode.text for barcode in barcodes])
        return results
    finally:
        document.close()


def test_qr_code_decodes_to_verification_url(
    storage_root, make_credentials_payload
) -> None:
    payload = make_credentials_payload(3, layout={"page_size": "Letter"})
    payload["credentials"][2]["verification_url"] = (
        "https://127.0.0.1:8443/verify/" + "k" * 120 + "?lang=vi"
    )
    render_credentials(payload, storage_root=storage_root)
    # Scale 2 is 144 dpi, a modest phone-camera resolution for a 24 mm code.
    scanned = _scan_pages(storage_root / "print-jobs/8b0c0c9e/credentials.pdf", 2)
    expected = [
        [credential["verification_url"]] for credential in payload["credentials"]
    ]
    assert scanned == expected
