// Recomputes DOKU signatures with DOKU's own library (jokul-nodejs-library@2.0.1, getSignature).
// Input on stdin: [{header:{client-id,request-id,request-timestamp,request-target}, body, key}].
// Output: the JSON array of Signature header values, in order.
const { getSignature } = require("jokul-nodejs-library");
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const out = [];
  for (const c of JSON.parse(input)) out.push(await getSignature(c.header, c.body, c.key));
  process.stdout.write(JSON.stringify(out));
});
