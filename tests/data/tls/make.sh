#!/usr/bin/env bash
# Regenerates the test PKI for TLS trunk tests (run from this folder; openssl): a CA, a server
# certificate for 127.0.0.1/localhost signed by it, and an unrelated CA ("other") that must
# not be trusted for that server. Valid for 100 years: these keys guard nothing.
set -euo pipefail
cd "$(dirname "$0")"
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days $days \
  -subj "/CN=dialer test CA" 2> /dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days $days \
  -subj "/CN=dialer other CA" 2> /dev/null
openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
  -subj "/CN=localhost" 2> /dev/null
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem \
  -days $days -extfile server.ext 2> /dev/null
openssl pkcs8 -topk8 -nocrypt -in server.key -out server.key.pk8 && mv server.key.pk8 server.key
rm -f server.csr server.ext ca.srl ca.key other.key
