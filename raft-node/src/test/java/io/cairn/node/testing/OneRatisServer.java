package io.cairn.node.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachine;

/**
 * A started Ratis group of one server ("s1") on a free port with its storage under a directory: for
 * tests of Ratis's own behaviour and of a state machine under a real apply loop.
 */
public record OneRatisServer(RaftServer server, RaftGroup group) {
  /**
   * @param settings adds properties to the server's (storage dir and port are set already)
   */
  public static OneRatisServer start(
      Path dir, StateMachine stateMachine, Consumer<RaftProperties> settings) throws IOException {
    int port = FreePorts.takeOne();
    RaftPeer peer = RaftPeer.newBuilder().setId("s1").setAddress("127.0.0.1:" + port).build();
    RaftGroup group = RaftGroup.valueOf(RaftGroupId.randomId(), peer);
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(new File(dir.toFile(), "raft")));
    GrpcConfigKeys.Server.setPort(p, port);
    settings.accept(p);
    RaftServer server =
        RaftServer.newBuilder()
            .setServerId(RaftPeerId.valueOf("s1"))
            .setGroup(group)
            .setProperties(p)
            .setStateMachine(stateMachine)
            .setOption(RaftStorage.StartupOption.FORMAT)
            .build();
    server.start();
    return new OneRatisServer(server, group);
  }

  /** The group's one replica. */
  public RaftServer.Division division() throws IOException {
    return server.getDivision(group.getGroupId());
  }
}
