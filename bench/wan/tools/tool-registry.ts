// Every tool the WAN lab knows, in the order they run on each profile.
import { CurlHttpTool } from './curl-http-tool.js'
import { FerryTool } from './ferry-tool.js'
import { Iperf3Tool } from './iperf3-tool.js'
import { RsyncSshTool } from './rsync-ssh-tool.js'
import { UftpTool } from './uftp-tool.js'
import type { WanTool } from './wan-tool.js'

export function allTools (): WanTool[] {
  return [new Iperf3Tool('cubic'), new Iperf3Tool('bbr'), new CurlHttpTool(), new RsyncSshTool(), new UftpTool(), new FerryTool('fair')]
}
