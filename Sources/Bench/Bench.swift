import KubeAPI
