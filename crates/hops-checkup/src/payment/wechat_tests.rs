//! WeChat Pay v3 protocol checks against vectors made by independent implementations (see
//! keys/README.md): OpenSSL's SHA256withRSA of the documentation's example message, Python
//! `cryptography`'s AES-256-GCM of a notification, and the AES-GCM specification's test case 14.

use super::*;

const MERCHANT_KEY: &str = include_str!("keys/sandbox_merchant_key.pem");
const MERCHANT_PUB: &str = include_str!("keys/sandbox_merchant_pub.pem");
const PLATFORM_PUB: &str = include_str!("keys/sandbox_platform_pub.pem");

/// `openssl dgst -sha256 -sign sandbox_merchant_key.pem` of the documentation's example.
const OPENSSL_SIGNATURE: &str = "IPkQBcJlqBN0FO3Oz2TMVi0Pdl0PRbQAmMMR0Q5MfNyH49k19h4WDqx7jex3RvrmjgLwROrx9t6/IcIPSFXG0cApTj0PJvC46aPC+EhxTEB7esAcLBosgdNAWHQPcAGfTPXmSOl8g1TXnnWJTUfkfkGE281mkRPZ+NmzI1QMw9TPIrSGUnp2vpoC/bo5KKi0FYPy/9RxMMnXNIto68mTVLwNc8ZyVrq6+LDMELkMNuL+ZmB9Myg+R1BQDzuPHFurd2F1R3H5GeYwLkR9mxRDFhBwzQV4lBUuzBsBxsOprD8eMAG60AbyXwdF4iFnEBqQaNO5j9x4J0Z9GnoaXSTfSA==";

const NOTICE_CIPHERTEXT: &str = "DUcegK33A8MEOgdCtMPWwAdqzVjy3c3BTENCdjZ/7K2gbkFM2sU/cZ/UPNrLir4DXaSrqBdzgGy/sMCWIPKVQdMoXvNAxWklZxN+THwKBN0L/hXOpEdE3C+rNIOcNImNQwSPzBqL0j4bGTSkNRMMz0KVdCIYgusGnnisNS4C5MYYIvPl8RUtQDeHojj8v/LWF6qyH4gaKrJrA2X2d6TDicqtwRDVaQukTc0Dp/8fTI8EKyx55xUKn4dPZtVUGQ7yt2xlCWsRaio71+S23BvHXm8th3ZEBpAp2Kp6xDk7YUQ6KZ/UasrrFY3e0ZGO0g90RVki+jMroG8kwcrs3gylKxz8Rwlr8fezZej5Y1kq+wt6VgWxdnZAQoiXUXWcxoIb+VXnbU16e65eLFdBxmQ1QWksuCtoX7tliMbHgEVSr3oSnjnagJhWlTvogIrIkop+g9YuMF47ookFwZFTbROBVrwWvXUrHOKjC1mf2gLY5cNTgy7HwO1iNyOJIjwHbPh7VUg+naYo7GAXIyuReVInVlHVXMoKQENMs1jdmo3MCAoLPZNloHNuG0EL328HIJuKbUP2";

#[test]
fn request_message_matches_the_documentation() {
    // The example of WeChat Pay's API v3 signature chapter: GET /v3/certificates, no body.
    assert_eq!(
        request_message("GET", "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", ""),
        "GET\n/v3/certificates\n1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n"
    );
}

#[test]
fn signature_equals_openssl() {
    let key = PrivateKey::from_pem(MERCHANT_KEY).unwrap();
    let message = request_message("GET", "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", "");
    // PKCS#1 v1.5 is deterministic: the same key and message give OpenSSL's bytes exactly.
    assert_eq!(key.sign(&message), OPENSSL_SIGNATURE);
    let public = PublicKey::from_pem(MERCHANT_PUB).unwrap();
    assert_eq!(public.verify(&message, OPENSSL_SIGNATURE), Ok(()));
    // Another key, a changed message or a changed signature fail.
    let other = PublicKey::from_pem(PLATFORM_PUB).unwrap();
    assert_eq!(other.verify(&message, OPENSSL_SIGNATURE), Err(WechatError::BadSignature));
    assert_eq!(public.verify(&message.replace("GET", "PUT"), OPENSSL_SIGNATURE), Err(WechatError::BadSignature));
    let mut tampered = OPENSSL_SIGNATURE.to_string();
    tampered.replace_range(10..11, if &tampered[10..11] == "A" { "B" } else { "A" });
    assert_eq!(public.verify(&message, &tampered), Err(WechatError::BadSignature));
    assert_eq!(public.verify(&message, "not base64!"), Err(WechatError::BadSignature));
}

#[test]
fn authorization_header() {
    let key = PrivateKey::from_pem(MERCHANT_KEY).unwrap();
    let h = authorization(
        "1900000001",
        "5157F09EFDC096DE15EBE81A47057A72",
        &key,
        ("GET", "/v3/certificates", 1554208460, "593BEC0C930BF1AFEB40B4A08C8FB242", ""),
    );
    assert!(h.starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"593BEC0C930BF1AFEB40B4A08C8FB242\",signature=\""));
    let fields = parse_authorization(&h).unwrap();
    assert_eq!(fields["signature"], OPENSSL_SIGNATURE);
    assert_eq!(fields["timestamp"], "1554208460");
    assert_eq!(fields["serial_no"], "5157F09EFDC096DE15EBE81A47057A72");
    assert!(parse_authorization("Bearer x").is_none());
}

#[test]
fn aes_gcm_specification_test_case_14() {
    // K = 0^256, IV = 0^96, P = 0^128: C = cea7403d…, T = d0d1c8a7… (McGrew & Viega, GCM spec).
    let cipher = Aes256Gcm::new_from_slice(&[0u8; 32]).unwrap();
    let nonce = aes_gcm::Nonce::try_from(&[0u8; 12][..]).unwrap();
    let out = cipher.encrypt(&nonce, Payload { msg: &[0u8; 16], aad: b"" }).unwrap();
    let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex, "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919");
}

#[test]
fn decrypts_a_notification_made_by_python_cryptography() {
    let key = ApiV3Key::new("0123456789abcdef0123456789abcdef").unwrap();
    let resource = Resource {
        algorithm: "AEAD_AES_256_GCM".into(),
        ciphertext: NOTICE_CIPHERTEXT.into(),
        associated_data: "transaction".into(),
        original_type: "transaction".into(),
        nonce: "fdasflkja484".into(),
    };
    let plain = key.decrypt(&resource).unwrap();
    let t: Transaction = serde_json::from_str(&plain).unwrap();
    assert_eq!((t.out_trade_no.as_str(), t.trade_state.as_str(), t.amount.total), ("TJ0000000042", "SUCCESS", 10000));
    assert_eq!(t.trade_state_desc, "支付成功");
    // Wrong associated data, nonce or key, or a flipped byte: refused.
    for bad in [
        Resource { associated_data: "refund".into(), ..resource.clone() },
        Resource { nonce: "fdasflkja485".into(), ..resource.clone() },
        Resource { ciphertext: format!("A{}", &NOTICE_CIPHERTEXT[1..]), ..resource.clone() },
    ] {
        assert_eq!(key.decrypt(&bad), Err(WechatError::Decrypt));
    }
    assert_eq!(ApiV3Key::new("another-key-of-32-characters-xyz").unwrap().decrypt(&resource), Err(WechatError::Decrypt));
    assert_eq!(ApiV3Key::new("short").err(), Some(WechatError::ApiV3Key));
    // Our encryption is the same computation.
    assert_eq!(key.encrypt(&plain, "fdasflkja484", "transaction", "transaction").unwrap().ciphertext, NOTICE_CIPHERTEXT);
}

#[test]
fn signed_callbacks_are_checked_for_serial_age_and_signature() {
    let platform = PrivateKey::from_pem(include_str!("keys/sandbox_platform_key.pem")).unwrap();
    let public = PublicKey::from_pem(PLATFORM_PUB).unwrap();
    let body = r#"{"id":"1","event_type":"TRANSACTION.SUCCESS"}"#;
    let sig = platform.sign(&response_message("1700000000", "n1", body));
    let ok = SignedHeaders { timestamp: "1700000000", nonce: "n1", signature: &sig, serial: "PUB_KEY_ID_1" };
    assert_eq!(verify_signed(&public, "PUB_KEY_ID_1", &ok, body, 1700000100), Ok(()));
    let cases = [
        (SignedHeaders { serial: "PUB_KEY_ID_2", ..ok }, body, 1700000100, "another key's serial"),
        (SignedHeaders { nonce: "n2", ..ok }, body, 1700000100, "another nonce"),
        (SignedHeaders { ..ok }, r#"{"id":"1","event_type":"REFUND.SUCCESS"}"#, 1700000100, "a changed body"),
        (SignedHeaders { ..ok }, body, 1700000301, "more than five minutes old"),
    ];
    for (h, b, now, why) in cases {
        assert_eq!(verify_signed(&public, "PUB_KEY_ID_1", &h, b, now), Err(WechatError::BadSignature), "{why}");
    }
}

#[test]
fn jsapi_parameters_are_signed() {
    let key = PrivateKey::from_pem(MERCHANT_KEY).unwrap();
    let p =
        jsapi_params("wxd678efh567hg6787", "wx201410272009395522657a690389285100", &key, 1414561699, "5K8264ILTKCH16CQ2502SI8ZNMTM67VS");
    assert_eq!(p["package"], "prepay_id=wx201410272009395522657a690389285100");
    let message = "wxd678efh567hg6787\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n";
    assert_eq!(PublicKey::from_pem(MERCHANT_PUB).unwrap().verify(message, p["paySign"].as_str().unwrap()), Ok(()));
}
