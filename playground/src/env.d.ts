// The few Vite import suffixes the playground uses (kept minimal instead of vite/client, so both the DOM
// and the WebWorker tsconfigs accept it).
declare module '*?url' {
  const url: string;
  export default url;
}
