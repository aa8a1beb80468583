/**
 * The channel's URL: engineers connect to `wss://<gateway>/api/channel/<cluster>`.
 * Its own file, so the support console can check a URL against it without
 * loading the server side of the channel.
 */
export const CHANNEL_PATH = /^\/api\/channel\/([^/?#]+)\/?(?:\?.*)?$/;
