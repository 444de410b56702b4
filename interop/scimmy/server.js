// SCIMMY (scimmy 1.3.5 + scimmy-routers 1.3.2, on express 4.21.2) as a real
// SCIM server for scimspec's interop test (tests/it/scimmy.rs).
//
//   node server.js [PORT] [TOKEN]        (or env PORT / TOKEN)
//
// Listens on 127.0.0.1:PORT and serves SCIM at /v2. Everything SCIM
// (parsing, schema validation and coercion, attributes/excludedAttributes,
// sorting, pagination, PATCH, /.search, /Bulk, discovery, error responses)
// is done by SCIMMY and scimmy-routers. This file only supplies what the
// libraries leave to the application, the way their own example
// (scimmy-routers/example/index.js) does:
//   - a store: one in-memory Map per resource type, with the ingress,
//     egress and degress handlers SCIMMY calls;
//   - authentication: the scimmy-routers `handler` option (bearer token).
// It must not paper over library behaviour: no response rewriting, no
// middleware in front of the routers, no SCIM logic of its own.
import express from "express";
import SCIMMYRouters, {SCIMMY} from "scimmy-routers";
import {randomUUID} from "node:crypto";

const port = Number(process.argv[2] ?? process.env.PORT ?? 8090);
const token = process.argv[3] ?? process.env.TOKEN;
if (!Number.isInteger(port) || !token) {
    console.error("usage: node server.js PORT TOKEN   (or env PORT and TOKEN)");
    process.exit(2);
}

// A plain in-memory store for one resource type. SCIMMY hands the ingress
// handler a validated, coerced schema instance; the store keeps a JSON copy
// of it plus what a database would add: the id, and the meta.created /
// meta.lastModified timestamps (SCIMMY adds meta.resourceType and
// meta.location itself on the way out, and copies created/lastModified from
// what the handler returns).
function memoryStore(typeName) {
    const records = new Map();
    const notFound = (id) => new SCIMMY.Types.Error(404, null, `${typeName} ${id} not found`);
    return {
        records,
        // Create (no resource.id) or replace (resource.id) one resource.
        ingress(resource, instance) {
            // toJSON leaves out returned:"never" attributes (the password): not
            // kept here; a real store would keep a hash of it.
            const data = JSON.parse(JSON.stringify(instance));
            delete data.schemas;
            delete data.meta;
            const now = new Date().toISOString();
            if (resource.id) {
                const old = records.get(resource.id);
                if (!old) throw notFound(resource.id);
                checkUnique(typeName, records, data, resource.id);
                const record = {...data, id: resource.id, meta: {created: old.meta.created, lastModified: now}};
                records.set(resource.id, record);
                return record;
            }
            checkUnique(typeName, records, data, undefined);
            const id = randomUUID();
            const record = {...data, id, meta: {created: now, lastModified: now}};
            records.set(id, record);
            return record;
        },
        // Read one resource (resource.id), or list resources. SCIMMY leaves
        // filtering to this handler (it passes the parsed filter as
        // resource.filter); as in the library's own example, it is done with
        // SCIMMY's own Filter#match. Sorting and pagination are left to
        // SCIMMY's ListResponse (resource.constraints is not used here).
        egress(resource) {
            if (resource.id) {
                const record = records.get(resource.id);
                if (!record) throw notFound(resource.id);
                return record;
            }
            const all = [...records.values()];
            return resource.filter ? resource.filter.match(all) : all;
        },
        degress(resource) {
            if (!records.delete(resource.id)) throw notFound(resource.id);
        },
    };
}

// SCIMMY's ingress contract makes the handler responsible for uniqueness
// ("throw a SCIM 409 error if a database unique constraint wasn't met", see
// SCIMMY.Types.Resource~IngressHandler): this is the unique index a database
// would have on User.userName, which the User schema declares
// uniqueness "server" and caseExact false.
function checkUnique(typeName, records, data, ownId) {
    if (typeName !== "User" || typeof data.userName !== "string") return;
    const wanted = data.userName.toLowerCase();
    for (const [id, other] of records) {
        if (id !== ownId && other.userName?.toLowerCase() === wanted) {
            throw new SCIMMY.Types.Error(409, "uniqueness", `userName ${data.userName} is already taken`);
        }
    }
}

const users = memoryStore("User");
const groups = memoryStore("Group");

SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    ingress: users.ingress,
    egress: users.egress,
    degress: users.degress,
    extensions: [{schema: SCIMMY.Schemas.EnterpriseUser, required: false}],
});
SCIMMY.Resources.declare(SCIMMY.Resources.Group, {
    ingress: groups.ingress,
    egress: groups.egress,
    degress: groups.degress,
});

const app = express();
app.use("/v2", new SCIMMYRouters({
    type: "bearer",
    docUri: "https://example.com/help/oauth.html",
    // Throwing makes scimmy-routers answer 401. No authenticated SCIM user
    // is returned (the token is not a user), so /Me answers 501.
    handler: (request) => {
        if (request.header("Authorization") !== `Bearer ${token}`) {
            throw new Error("Authorization failed");
        }
    },
}));
// scimmy-routers answers every error itself, then hands errors with status
// >= 500 (e.g. the 501 from /Me) on with next(ex) "to the next middleware"
// for the application to log. Without a handler here, Express's default one
// finds the response already sent and destroys the socket, so the client's
// next request on that keep-alive connection is randomly reset. Log only;
// the response (already sent by scimmy-routers) is not touched.
app.use((ex, request, response, next) => {
    console.error(`${request.method} ${request.originalUrl}: ${ex.message ?? ex}`);
});

const server = app.listen(port, "127.0.0.1", () => {
    console.log(`SCIMMY listening on http://127.0.0.1:${port}/v2`);
});
for (const signal of ["SIGINT", "SIGTERM"]) {
    process.on(signal, () => server.close(() => process.exit(0)));
}
