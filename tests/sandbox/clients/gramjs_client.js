// GramJS (npm `telegram`), unmodified, against the tgtui sandbox: a fresh login (code and 2FA
// password), every dialog, one chat's whole history, a search paged to its end, and two
// downloads from DC 1: a photo and a document of several parts. The only changes are the
// ones any test server needs: trust the sandbox's RSA key and dial its ports. Prints one
// JSON object on stdout.
//
// Usage: node gramjs_client.js '<json config>' (see tests/sandbox/test_independent_clients.py)
"use strict";

const crypto = require("crypto");
const bigInt = require("big-integer");
const { TelegramClient, Api } = require("telegram");
const { StringSession } = require("telegram/sessions");
const RSA = require("telegram/crypto/RSA");
const { LAYER } = require("telegram/tl/AllTLObjects");
const { PromisedNetSockets } = require("telegram/extensions");

function digest(id, data) {
    const sha256 = crypto.createHash("sha256").update(data).digest("hex");
    return { id, size: data.length, sha256 };
}

async function main() {
    const cfg = JSON.parse(process.argv[2]);
    // Trust the sandbox's key (GramJS keeps Telegram's keys in this map, by fingerprint).
    RSA._serverKeys.set(cfg.fingerprint, { n: bigInt(cfg.n), e: cfg.e });
    const session = new StringSession("");
    session.setDC(cfg.home_dc, cfg.host, 80); // the port GramJS dials (mapped below)
    // Dial the sandbox's ports: GramJS dials its session's DC on port 80 and other DCs on
    // the port getDC gives (443 for Telegram's).
    const homePort = cfg.ports[String(cfg.home_dc)];
    class SandboxSockets extends PromisedNetSockets {
        async connect(port, ip) {
            return super.connect(port === 80 || port === 443 ? homePort : port, ip);
        }
    }
    const client = new TelegramClient(session, cfg.api_id, cfg.api_hash, {
        connectionRetries: 5, // a loaded CI machine may be slow to answer
        timeout: 30,
        useWSS: false,
        networkSocket: SandboxSockets,
    });
    client.setLogLevel("error");
    client.getDC = async (dcId) => ({ id: dcId, ipAddress: cfg.host, port: cfg.ports[String(dcId)] });

    let loginError = null;
    await client.start({
        phoneNumber: async () => cfg.phone,
        phoneCode: async () => cfg.code,
        password: async () => cfg.password,
        onError: async (err) => {
            loginError = err;
            return true; // stop
        },
    });
    if (loginError) throw loginError;
    const out = { layer: LAYER };
    const me = await client.getMe();
    out.me = me.id.toString();

    const dialogs = await client.getDialogs({});
    out.dialogs = dialogs.map((d) => d.id.toString());
    const chat = dialogs.find((d) => d.id.toString() === cfg.chat);
    if (!chat) throw new Error(`chat ${cfg.chat} not among the dialogs`);

    const history = await client.getMessages(chat.entity, { limit: undefined });
    out.history = { total: history.total, ids: history.map((m) => m.id) };

    const found = await client.getMessages(chat.entity, { limit: undefined, search: cfg.search });
    out.search = { total: found.total, ids: found.map((m) => m.id) };

    // A photo message (GramJS's m.photo is a link preview's picture too; Telethon's
    // reference takes a messageMediaPhoto).
    const photo = history.find((m) => m.media && m.media.className === "MessageMediaPhoto");
    if (photo) {
        out.photo = digest(photo.id, await client.downloadMedia(photo, {}));
    }

    const home = dialogs.find((d) => d.id.toString() === cfg.document.chat);
    if (!home) throw new Error(`chat ${cfg.document.chat} not among the dialogs`);
    const [message] = await client.getMessages(home.entity, { ids: [cfg.document.id] });
    if (!message || !message.document) {
        throw new Error(`message ${cfg.document.id} has no document`);
    }
    out.document = digest(message.id, await client.downloadMedia(message, {}));
    await client.disconnect();
    await client.destroy();
    process.stdout.write(JSON.stringify(out) + "\n");
}

main().then(
    () => process.exit(0),
    (err) => {
        process.stderr.write(`gramjs client failed: ${err && err.stack ? err.stack : err}\n`);
        process.exit(1);
    },
);
