"""On PostgreSQL, a ledger movement is one statement: ``SELECT * FROM rewards_ledger_post(...)``.

The function does what ``rewards.services._post_orm`` does, in the same order and under the same
locks, in one round trip instead of six to nine (docs/benchmarks.md, "Writes"):

1. find each account's id by what it is (wallet of a user, escrow of a reference, system kind);
   identity columns never change, so no lock is needed to find them;
2. lock the accounts that exist ``FOR NO KEY UPDATE`` in primary-key order, reading balances;
3. with the locks held, look the idempotency key up: a replay returns the recorded transfer, a
   key recorded for another movement is ``reused``;
4. refuse (``refused``, nothing written) when a wallet or escrow would go below zero, or when a
   refund gives a wallet more than it put into the escrow of leg 1 and has not got back;
5. open the missing accounts (``INSERT … ON CONFLICT DO NOTHING``; one opened meanwhile by
   another transaction is found again), lock every account in primary-key order;
6. insert the transfer (``ON CONFLICT (idempotency_key) DO NOTHING``: a key committed meanwhile by
   a transfer over other accounts is a replay or ``reused``), its entries with running balances,
   and add the deltas to the cached balances.

A refusal writes nothing, so callers need no savepoint around it; the Python service turns the
returned status and balances into the same errors as the ORM path. SQLite keeps the ORM path.
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

CREATE_REPLAY = """
CREATE OR REPLACE FUNCTION rewards_ledger_replay_status(
    p_transfer_id bigint, p_account_ids bigint[], p_deltas bigint[], p_reason text
) RETURNS text LANGUAGE sql STABLE AS $fn$
    SELECT CASE WHEN t.reason = p_reason
        AND NOT EXISTS (
            SELECT e.account_id, e.amount FROM rewards_entry e WHERE e.transfer_id = p_transfer_id
            EXCEPT SELECT * FROM unnest(p_account_ids, p_deltas))
        AND NOT EXISTS (
            SELECT * FROM unnest(p_account_ids, p_deltas)
            EXCEPT SELECT e.account_id, e.amount FROM rewards_entry e
             WHERE e.transfer_id = p_transfer_id)
        THEN 'replay' ELSE 'reused' END
    FROM rewards_transfer t WHERE t.id = p_transfer_id
$fn$;
"""

DROP = """
DROP FUNCTION IF EXISTS rewards_ledger_post(
    text[], bigint[], text[], bigint[], text, text, text, text, bigint, timestamptz, integer);
DROP FUNCTION IF EXISTS rewards_ledger_replay_status(bigint, bigint[], bigint[], text);
"""


def create_functions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(CREATE_REPLAY, params=None)
    schema_editor.execute(CREATE_FUNCTION, params=None)


def drop_functions(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("rewards", "0004_entry_covering_indexes")]

    operations = [migrations.RunPython(create_functions, drop_functions, elidable=False)]
