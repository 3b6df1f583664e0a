-- Checkup payments (SPEC §3, crates/hops-checkup/src/payment): WeChat Pay orders, on-site and
-- offline payments recorded by staff, refunds, and the callbacks already handled (so a
-- notification delivered twice changes nothing the second time).

CREATE TABLE checkup_payments (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    booking_id BIGINT NOT NULL,
    method TEXT NOT NULL,
    out_trade_no TEXT NOT NULL,
    transaction_id TEXT,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by BIGINT,
    created_at BIGINT NOT NULL,
    paid_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, out_trade_no),
    FOREIGN KEY (hospital_id, booking_id) REFERENCES checkup_bookings (hospital_id, id)
);
CREATE INDEX checkup_payments_booking ON checkup_payments (hospital_id, booking_id);
CREATE INDEX checkup_payments_paid ON checkup_payments (hospital_id, paid_at);

CREATE TABLE checkup_refunds (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    id BIGINT NOT NULL,
    booking_id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    out_refund_no TEXT NOT NULL,
    refund_id TEXT,
    amount_fen BIGINT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, id),
    UNIQUE (hospital_id, out_refund_no),
    FOREIGN KEY (hospital_id, payment_id) REFERENCES checkup_payments (hospital_id, id)
);
CREATE INDEX checkup_refunds_booking ON checkup_refunds (hospital_id, booking_id);

CREATE TABLE checkup_payment_events (
    hospital_id BIGINT NOT NULL REFERENCES hospitals (id),
    notification_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (hospital_id, notification_id)
);
