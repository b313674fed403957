"""``rewards_ledger_post`` (migration 0005), corrected: a replay that waited for the first attempt
finds the accounts that attempt opened.

Twenty requests with one idempotency key, paying a member whose wallet did not exist yet: the
first opens the wallet and commits; the others, waiting on the payer's lock, had found no wallet
before the lock and compared the recorded transfer against a missing account, answering 409
``idempotency_key_reused`` instead of replaying it. Missing accounts are now looked up again
before the comparison (the recorded transfer committed before the lookup, so its accounts are
visible). tests/rewards/test_ledger_sql.py has the race.
"""

from django.db import migrations

CREATE_FUNCTION = """
CREATE OR REPLACE FUNCTION rewards_ledger_post(
    p_kinds text[],
    p_users bigint[],
    p_refs text[],
    p_deltas bigint[],
    p_reason text,
    p_reference text,
    p_description text,
    p_key text,
    p_initiated_by bigint,
    p_now timestamptz,
    p_refund_leg integer,
    OUT r_status text,
    OUT r_transfer_id bigint,
    OUT r_account_ids bigint[],
    OUT r_balances bigint[],
    OUT r_refundable bigint
) LANGUAGE plpgsql AS $fn$
DECLARE
    n integer := cardinality(p_kinds);
    i integer;
    v_id bigint;
    v_missing boolean := false;
    v_row record;
BEGIN
    r_account_ids := array_fill(NULL::bigint, ARRAY[n]);
    r_balances := array_fill(0::bigint, ARRAY[n]);
    r_refundable := 0;

    -- 1. ids by identity
    FOR i IN 1..n LOOP
        v_id := NULL;
        IF p_kinds[i] = 'wallet' THEN
            SELECT a.id INTO v_id FROM rewards_ledgeraccount a
             WHERE a.user_id = p_users[i] AND a.kind = 'wallet' AND a.reference = '';
        ELSIF p_kinds[i] = 'escrow' THEN
            SELECT a.id INTO v_id FROM rewards_ledgeraccount a
             WHERE a.kind = 'escrow' AND a.reference = p_refs[i];
        ELSE
            SELECT a.id INTO v_id FROM rewards_ledgeraccount a
             WHERE a.kind = p_kinds[i]
               AND a.kind IN ('signup_bonus', 'purchases', 'staff_grants', 'refunds', 'expiry');
        END IF;
        r_account_ids[i] := v_id;
        IF v_id IS NULL THEN
            v_missing := true;
        END IF;
    END LOOP;

    -- 2. lock what exists, in primary-key order
    FOR v_row IN
        SELECT a.id, a.balance FROM rewards_ledgeraccount a
         WHERE a.id = ANY(r_account_ids) ORDER BY a.id FOR NO KEY UPDATE
    LOOP
        r_balances[array_position(r_account_ids, v_row.id)] := v_row.balance;
    END LOOP;

    -- 3. idempotency, under the locks
    IF p_key IS NOT NULL THEN
        SELECT t.id INTO r_transfer_id FROM rewards_transfer t WHERE t.idempotency_key = p_key;
        IF r_transfer_id IS NOT NULL THEN
            IF v_missing THEN
                -- The recorded transfer committed before this lookup, so every account it
                -- touched is visible now: find the ones that were missing before the locks.
                FOR i IN 1..n LOOP
                    IF r_account_ids[i] IS NULL THEN
                        SELECT a.id INTO v_id FROM rewards_ledgeraccount a
                         WHERE a.kind = p_kinds[i] AND a.user_id IS NOT DISTINCT FROM p_users[i]
                           AND a.reference = p_refs[i];
                        r_account_ids[i] := v_id;
                    END IF;
                END LOOP;
            END IF;
            r_status := rewards_ledger_replay_status(r_transfer_id, r_account_ids, p_deltas, p_reason);
            RETURN;
        END IF;
    END IF;

    -- 4. checks, before any write (a missing account holds 0 and has no entries)
    IF p_refund_leg > 0 AND r_account_ids[p_refund_leg] IS NOT NULL
       AND r_account_ids[1] IS NOT NULL THEN
        SELECT -coalesce(sum(w.amount), 0) INTO r_refundable FROM rewards_entry w
         WHERE w.account_id = r_account_ids[p_refund_leg]
           AND EXISTS (SELECT 1 FROM rewards_entry x
                        WHERE x.transfer_id = w.transfer_id AND x.account_id = r_account_ids[1]);
    END IF;
    FOR i IN 1..n LOOP
        IF p_kinds[i] IN ('wallet', 'escrow') AND r_balances[i] + p_deltas[i] < 0 THEN
            r_status := 'refused';
            RETURN;
        END IF;
    END LOOP;
    IF p_refund_leg > 0 AND p_deltas[p_refund_leg] > r_refundable THEN
        r_status := 'refused';
        RETURN;
    END IF;

    -- 5. open what is missing, then lock everything in primary-key order
    IF v_missing THEN
        FOR i IN 1..n LOOP
            IF r_account_ids[i] IS NULL THEN
                v_id := NULL;
                INSERT INTO rewards_ledgeraccount
                    (kind, user_id, reference, balance, created_at, updated_at)
                VALUES (p_kinds[i], p_users[i], p_refs[i], 0, p_now, p_now)
                ON CONFLICT DO NOTHING
                RETURNING id INTO v_id;
                IF v_id IS NULL THEN
                    -- opened by a transaction that committed meanwhile (ON CONFLICT waited)
                    SELECT a.id INTO STRICT v_id FROM rewards_ledgeraccount a
                     WHERE a.kind = p_kinds[i] AND a.user_id IS NOT DISTINCT FROM p_users[i]
                       AND a.reference = p_refs[i];
                END IF;
                r_account_ids[i] := v_id;
            END IF;
        END LOOP;
        FOR v_row IN
            SELECT a.id, a.balance FROM rewards_ledgeraccount a
             WHERE a.id = ANY(r_account_ids) ORDER BY a.id FOR NO KEY UPDATE
        LOOP
            r_balances[array_position(r_account_ids, v_row.id)] := v_row.balance;
        END LOOP;
    END IF;

    -- 6. write
    INSERT INTO rewards_transfer
        (reason, description, reference, idempotency_key, initiated_by_id, reverses_id, created_at)
    VALUES (p_reason, p_description, p_reference, p_key, p_initiated_by, NULL, p_now)
    ON CONFLICT (idempotency_key) DO NOTHING
    RETURNING id INTO r_transfer_id;
    IF r_transfer_id IS NULL THEN
        SELECT t.id INTO STRICT r_transfer_id FROM rewards_transfer t
         WHERE t.idempotency_key = p_key;
        r_status := rewards_ledger_replay_status(r_transfer_id, r_account_ids, p_deltas, p_reason);
        RETURN;
    END IF;
    INSERT INTO rewards_entry (transfer_id, account_id, amount, balance_after, created_at)
    SELECT r_transfer_id, u.account_id, u.delta, u.balance + u.delta, p_now
      FROM unnest(r_account_ids, p_deltas, r_balances) AS u(account_id, delta, balance);
    UPDATE rewards_ledgeraccount AS a
       SET balance = a.balance + u.delta, updated_at = p_now
      FROM unnest(r_account_ids, p_deltas) AS u(account_id, delta)
     WHERE a.id = u.account_id;
    r_status := 'ok';
END;
$fn$;
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_FUNCTION, params=None)


class Migration(migrations.Migration):
    dependencies = [("rewards", "0005_ledger_post_function")]

    # Backwards: 0005's definition stays in place until 0005 itself is reversed.
    operations = [migrations.RunPython(create_function, migrations.RunPython.noop, elidable=False)]
