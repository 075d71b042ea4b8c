// Certificates made by the openssl CLI for TLS tests: a CA, a certificate it signs for the fleet
// (server and client use, valid for 127.0.0.1 and localhost), and an impostor signed by another CA.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TestCertificates {
  /** The fleet's CA (LAION_DL_TLS_CA). */
  readonly ca: string;
  /** Signed by `ca`, for 127.0.0.1 and localhost, both server and client use (LAION_DL_TLS_CERT/KEY). */
  readonly cert: string;
  readonly key: string;
  /** Signed by a CA the fleet does not trust, same names and uses. */
  readonly impostorCert: string;
  readonly impostorKey: string;
}

/** Writes PEM files into `dir` (P-256 keys, valid one day). Needs `openssl` on PATH. */
export async function createTestCertificates(dir: string): Promise<TestCertificates> {
  const extensions = join(dir, "leaf.ext");
  await writeFile(extensions, "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n");
  const authority = async (name: string) => {
    const cert = join(dir, `${name}.pem`);
    const key = join(dir, `${name}.key`);
    await run("openssl", ["req", "-x509", ...newKey(key), "-out", cert, "-days", "1", "-subj", `/CN=${name}`]);
    return { cert, key };
  };
  const leaf = async (name: string, signer: { cert: string; key: string }) => {
    const cert = join(dir, `${name}.pem`);
    const key = join(dir, `${name}.key`);
    const request = join(dir, `${name}.csr`);
    await run("openssl", ["req", ...newKey(key), "-out", request, "-subj", `/CN=${name}`]);
    await run("openssl", [
      "x509",
      "-req",
      "-in",
      request,
      "-CA",
      signer.cert,
      "-CAkey",
      signer.key,
      "-set_serial",
      "1",
      "-days",
      "1",
      "-extfile",
      extensions,
      "-out",
      cert,
    ]);
    return { cert, key };
  };
  const [ca, otherCa] = await Promise.all([authority("laion-dl-test-ca"), authority("other-ca")]);
  const [fleet, impostor] = await Promise.all([leaf("fleet", ca), leaf("impostor", otherCa)]);
  return { ca: ca.cert, cert: fleet.cert, key: fleet.key, impostorCert: impostor.cert, impostorKey: impostor.key };
}

function newKey(keyPath: string): string[] {
  return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", keyPath];
}
