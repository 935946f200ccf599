// A NestJS app as the NestJS documentation's "Authentication" chapter builds it (docs.nestjs.com/security/
// authentication): UsersService with its two users, AuthService.signIn issuing `{ access_token }` through
// @nestjs/jwt's JwtService, AuthController's `POST auth/login` (@HttpCode(HttpStatus.OK)) and `GET auth/profile`
// behind the chapter's AuthGuard, JwtModule registered global. The real framework (@nestjs/core, common, jwt,
// platform-express), started in the test process on 127.0.0.1 and a free port. Its decorators are applied as
// functions, as TypeScript's compiled output applies them: vitest's transform emits no decorator metadata, so
// constructor injection is named with @Inject, which is what that metadata would have said.
import 'reflect-metadata';
import {
  Body,
  Controller,
  type ExecutionContext,
  Get,
  HttpCode,
  HttpStatus,
  Inject,
  Injectable,
  Module,
  Post,
  Request,
  UnauthorizedException,
  UseGuards,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JwtModule, JwtService } from '@nestjs/jwt';

/** `@a @b method(@c arg0)`, as tsc's __decorate applies it. */
function decorate(decorators: unknown[], target: { prototype: object }, method: string): void {
  const prototype = target.prototype;
  Reflect.decorate(
    decorators as MethodDecorator[],
    prototype,
    method,
    Object.getOwnPropertyDescriptor(prototype, method),
  );
}

/** A parameter decorator at `index` of a constructor (key undefined) or a method, as tsc's __param applies it. */
const param =
  (decorator: ParameterDecorator, index: number) =>
  (target: object, key?: string | symbol): void =>
    decorator(target, key, index);

export interface NestApp {
  url: string;
  stop(): Promise<void>;
}

/** The chapter's app, its tokens lasting `expiresIn` seconds (the chapter has '60s'). */
export async function startNest(expiresIn = 60): Promise<NestApp> {
  class UsersService {
    private readonly users = [
      { userId: 1, username: 'john', password: 'changeme' },
      { userId: 2, username: 'maria', password: 'guess' },
    ];
    async findOne(username: string) {
      return this.users.find((user) => user.username === username);
    }
  }
  Injectable()(UsersService);

  class AuthService {
    constructor(
      private usersService: UsersService,
      private jwtService: JwtService,
    ) {}
    async signIn(username: string, pass: string): Promise<{ access_token: string }> {
      const user = await this.usersService.findOne(username);
      if (user?.password !== pass) throw new UnauthorizedException();
      const payload = { sub: user.userId, username: user.username };
      return { access_token: await this.jwtService.signAsync(payload) };
    }
  }
  Reflect.decorate([Injectable(), param(Inject(UsersService), 0), param(Inject(JwtService), 1)], AuthService);

  class AuthGuard {
    constructor(private jwtService: JwtService) {}
    async canActivate(context: ExecutionContext): Promise<boolean> {
      const request = context.switchToHttp().getRequest();
      const token = this.extractTokenFromHeader(request);
      if (!token) throw new UnauthorizedException();
      try {
        request.user = await this.jwtService.verifyAsync(token);
      } catch {
        throw new UnauthorizedException();
      }
      return true;
    }
    private extractTokenFromHeader(request: { headers: { authorization?: string } }): string | undefined {
      const [type, token] = request.headers.authorization?.split(' ') ?? [];
      return type === 'Bearer' ? token : undefined;
    }
  }
  Reflect.decorate([Injectable(), param(Inject(JwtService), 0)], AuthGuard);

  class AuthController {
    constructor(private authService: AuthService) {}
    signIn(signInDto: Record<string, string>) {
      return this.authService.signIn(signInDto.username!, signInDto.password!);
    }
    getProfile(req: { user: unknown }) {
      return req.user;
    }
  }
  decorate([HttpCode(HttpStatus.OK), Post('login'), param(Body(), 0)], AuthController, 'signIn');
  decorate([UseGuards(AuthGuard), Get('profile'), param(Request(), 0)], AuthController, 'getProfile');
  Reflect.decorate([Controller('auth'), param(Inject(AuthService), 0)], AuthController);

  class AppModule {}
  Module({
    imports: [JwtModule.register({ global: true, secret: crypto.randomUUID(), signOptions: { expiresIn } })],
    controllers: [AuthController],
    providers: [AuthService, UsersService],
  })(AppModule);

  const app = await NestFactory.create(AppModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  return { url: (await app.getUrl()).replace('[::1]', '127.0.0.1'), stop: () => app.close() };
}
