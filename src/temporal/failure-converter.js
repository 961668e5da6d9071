// The failure converter of every client and worker (loaded by path: the SDK bundles it into the
// workflow sandbox and require()s it outside, so it is plain JavaScript). Failure messages and stack
// traces go into an encoded payload, which the payload codec encrypts: an error naming a field or a
// Look stays out of the history in readable form. Failures recorded before keep their plain text and
// still decode.
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
