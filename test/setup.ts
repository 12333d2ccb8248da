import nock from 'nock';

// Tests never touch the network: only loopback (supertest, the daemon on port 0, Chromium) is allowed.
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
