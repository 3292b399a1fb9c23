// mtcute (npm @mtcute/node), unmodified, through the tgtui sandbox's MTProxy given as a
// tg://proxy link with a fake-TLS (ee) secret: a fresh login (key exchange, code, 2FA
// password), help.getConfig and help.getNearestDc, the first dialogs, one chat's latest
// messages and a photo from the DC the world's files live on (a second proxied connection).
// The only changes are the ones any test server needs: trust the sandbox's RSA key and start
// at its home DC. Prints one JSON object on stdout.
//
// Usage: node mtcute_client.mjs '<json config>' (see tests/sandbox/test_mtproxy_conformance.py)
import { createHash } from "node:crypto";

import { MemoryStorage, TelegramClient, proxyTransportFromUrl } from "@mtcute/node";
import { NodeCryptoProvider, addPublicKey } from "@mtcute/node/utils.js";

function digest(id, data) {
    const sha256 = createHash("sha256").update(data).digest("hex");
    return { id, size: data.length, sha256 };
}

async function main() {
    const cfg = JSON.parse(process.argv[2]);
    // Where the client starts; through an MTProxy only the DC's id reaches the wire.
    const home = { id: cfg.home_dc, ipAddress: cfg.host, port: cfg.home_port };
    const crypto = new NodeCryptoProvider();
    await crypto.initialize();
    addPublicKey(crypto, cfg.rsa_public_key);
    const client = new TelegramClient({
        crypto,
        apiId: cfg.api_id,
        apiHash: cfg.api_hash,
        storage: new MemoryStorage(),
        transport: proxyTransportFromUrl(cfg.link),
        defaultDcs: { main: home, media: { ...home, mediaOnly: true } },
        logLevel: 1, // errors only
    });
    const out = {};
    try {
        const me = await client.start({
            phone: cfg.phone,
            code: () => cfg.code,
            password: () => cfg.password,
        });
        out.me = String(me.id);
        const config = await client.call({ _: "help.getConfig" });
        out.this_dc = config.thisDc;
        const nearest = await client.call({ _: "help.getNearestDc" });
        out.nearest_dc = nearest.nearestDc;

        out.dialogs = [];
        for await (const dialog of client.iterDialogs({ limit: cfg.dialogs })) {
            out.dialogs.push(String(dialog.peer.id));
        }
        const history = await client.getHistory(Number(cfg.chat), { limit: cfg.history });
        out.history = history.map((message) => message.id);
        const photo = history.find((message) => message.id === cfg.photo);
        if (!photo || !photo.media || photo.media.type !== "photo") {
            throw new Error(`message ${cfg.photo} is not a photo`);
        }
        out.photo = digest(photo.id, await client.downloadAsBuffer(photo.media));
    } finally {
        await client.destroy();
    }
    process.stdout.write(JSON.stringify(out) + "\n");
}

main().catch((err) => {
    process.stderr.write(String(err && err.stack ? err.stack : err) + "\n");
    process.exit(1);
});
