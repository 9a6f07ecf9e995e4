import NIOPosix
import NIOSSL
import Logging
import KubeClient
